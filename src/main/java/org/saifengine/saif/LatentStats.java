package org.saifengine.saif;

import java.io.Serializable;
import java.util.List;

/**
 * Streams SAE latent activations of positives (each tagged with its instruction variant) and negatives, and turns
 * them into per-latent scores. Memory: two counters per (variant, latent), so it holds whatever the SAE width.
 * Serializable and {@link #merge mergeable}: a distributed job fills one per partition and adds them up.
 */
public final class LatentStats implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int dSae;
    private final List<String> variantIds;
    private final double activeThreshold;
    private final int[][] firesByVariant;      // [variant][latent]
    private final double[][] sumByVariant;     // [variant][latent]
    private final int[] samplesByVariant;
    private final double[] sumSqP;
    private final int[] firesN;
    private final double[] sumN, sumSqN;
    private int nP, nN;

    public LatentStats(int dSae, List<String> variantIds, double activeThreshold) {
        if (dSae < 1) throw new IllegalArgumentException("dSae must be >= 1");
        if (variantIds.isEmpty()) throw new IllegalArgumentException("need at least one instruction variant");
        this.dSae = dSae;
        this.variantIds = List.copyOf(variantIds);
        this.activeThreshold = activeThreshold;
        int v = variantIds.size();
        firesByVariant = new int[v][dSae];
        sumByVariant = new double[v][dSae];
        samplesByVariant = new int[v];
        sumSqP = new double[dSae];
        firesN = new int[dSae];
        sumN = new double[dSae];
        sumSqN = new double[dSae];
    }

    public void addPositive(int variant, float[] acts) {
        check(acts);
        if (variant < 0 || variant >= variantIds.size()) throw new IllegalArgumentException("variant index out of range: " + variant);
        samplesByVariant[variant]++;
        nP++;
        int[] fires = firesByVariant[variant];
        double[] sum = sumByVariant[variant];
        for (int j = 0; j < dSae; j++) {
            float a = acts[j];
            if (a > activeThreshold) fires[j]++;
            sum[j] += a;
            sumSqP[j] += (double) a * a;
        }
    }

    public void addNegative(float[] acts) {
        check(acts);
        nN++;
        for (int j = 0; j < dSae; j++) {
            float a = acts[j];
            if (a > activeThreshold) firesN[j]++;
            sumN[j] += a;
            sumSqN[j] += (double) a * a;
        }
    }

    /** Adds another accumulator's samples (same latents, variants and threshold) into this one. */
    public void merge(LatentStats o) {
        if (o.dSae != dSae || !o.variantIds.equals(variantIds) || o.activeThreshold != activeThreshold)
            throw new IllegalArgumentException("cannot merge latent statistics of different SAEs, variants or thresholds");
        for (int v = 0; v < variantIds.size(); v++) {
            samplesByVariant[v] += o.samplesByVariant[v];
            for (int j = 0; j < dSae; j++) {
                firesByVariant[v][j] += o.firesByVariant[v][j];
                sumByVariant[v][j] += o.sumByVariant[v][j];
            }
        }
        for (int j = 0; j < dSae; j++) {
            sumSqP[j] += o.sumSqP[j];
            firesN[j] += o.firesN[j];
            sumN[j] += o.sumN[j];
            sumSqN[j] += o.sumSqN[j];
        }
        nP += o.nP;
        nN += o.nN;
    }

    private void check(float[] acts) {
        if (acts.length != dSae) throw new IllegalArgumentException("activation vector has " + acts.length + " latents, expected " + dSae);
        for (float a : acts) if (!Float.isFinite(a)) throw new IllegalArgumentException("activation vector contains NaN or infinity");
    }

    public LatentScores scores() {
        if (nP == 0 || nN == 0) throw new IllegalStateException("scores need positives and negatives (have " + nP + " and " + nN + ")");
        for (int v = 0; v < variantIds.size(); v++)
            if (samplesByVariant[v] == 0) throw new IllegalStateException("variant " + variantIds.get(v) + " has no positive samples");
        int nv = variantIds.size();
        float[] freqP = new float[dSae], freqN = new float[dSae], meanP = new float[dSae], meanN = new float[dSae];
        float[] consistency = new float[dSae], sensitivity = new float[dSae], standardized = new float[dSae];
        float[][] freqV = new float[nv][dSae], meanV = new float[nv][dSae];
        for (int j = 0; j < dSae; j++) {
            int fires = 0;
            double sum = 0, minFreq = 1;
            for (int v = 0; v < nv; v++) {
                fires += firesByVariant[v][j];
                sum += sumByVariant[v][j];
                double f = (double) firesByVariant[v][j] / samplesByVariant[v];
                freqV[v][j] = (float) f;
                meanV[v][j] = (float) (sumByVariant[v][j] / samplesByVariant[v]);
                minFreq = Math.min(minFreq, f);
            }
            double mP = sum / nP, mN = sumN[j] / nN;
            freqP[j] = (float) fires / nP;
            freqN[j] = (float) firesN[j] / nN;
            meanP[j] = (float) mP;
            meanN[j] = (float) mN;
            consistency[j] = (float) minFreq;
            sensitivity[j] = (float) (mP - mN);
            double ssP = Math.max(0, sumSqP[j] - nP * mP * mP), ssN = Math.max(0, sumSqN[j] - nN * mN * mN);
            int dof = nP + nN - 2;
            double pooled = dof > 0 ? Math.sqrt((ssP + ssN) / dof) : 0;
            standardized[j] = pooled > 1e-12 ? (float) ((mP - mN) / pooled) : 0f;
        }
        return new LatentScores(variantIds, nP, nN, freqP, freqN, freqV, meanP, meanN, meanV, consistency, sensitivity, standardized);
    }
}
