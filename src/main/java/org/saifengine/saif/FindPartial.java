package org.saifengine.saif;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code saif find} accumulates over a set of discovery contents: the per-latent statistics and the per-layer
 * residual sums behind the difference of means. Serializable and {@link #merge mergeable}, so a distributed job
 * (the saif-engine-spark module) fills one per partition and the driver adds them up in partition order; the
 * single-process command fills one over all contents. Also carries the model's id and shape so that the driver can
 * write the run directory without loading the model.
 */
public final class FindPartial implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String modelId;
    private final int layers, dModel;
    private final LatentStats stats;
    private final double[][] sumPos, sumNeg;
    private int nPos, nNeg;

    public FindPartial(String modelId, int layers, int dModel, int dSae, List<String> variantIds, double activeThreshold) {
        this.modelId = modelId;
        this.layers = layers;
        this.dModel = dModel;
        this.stats = new LatentStats(dSae, variantIds, activeThreshold);
        this.sumPos = new double[layers][dModel];
        this.sumNeg = new double[layers][dModel];
    }

    /** An empty accumulator for this model, SAE and task (checks that the SAE fits the model). */
    public static FindPartial empty(LmSession lm, LatentDictionary sae, Task task, SaifParams p) {
        if (sae.dIn() != lm.dModel())
            throw new IllegalArgumentException("SAE " + sae.id() + " reads " + sae.dIn() + "-dim vectors but the model's d_model is " + lm.dModel());
        if (sae.layer() < 0 || sae.layer() >= lm.layers())
            throw new IllegalArgumentException("SAE layer " + sae.layer() + " is outside the model's layers 0.." + (lm.layers() - 1));
        return new FindPartial(lm.modelId(), lm.layers(), lm.dModel(), sae.dSae(),
                task.variants().stream().map(InstructionVariant::id).toList(), p.activeThreshold());
    }

    /** Runs one content's negative and every variant's positive in one batched forward pass and adds them. */
    public void add(LmSession lm, LatentDictionary sae, Task task, Content c, SaifParams p) {
        List<InstructionVariant> variants = task.variants();
        // every layer at the last prompt token (the difference of means, as Stolfo et al. read it), and the SAE's
        // layer at the method's read position (a second read of that layer when it is not the last token)
        boolean extra = p.readPosition() != ReadPosition.LAST;
        int[] reads = new int[layers + (extra ? 1 : 0)];
        ReadPosition[] at = new ReadPosition[reads.length];
        for (int l = 0; l < layers; l++) {
            reads[l] = l;
            at[l] = ReadPosition.LAST;
        }
        if (extra) {
            reads[layers] = sae.layer();
            at[layers] = p.readPosition();
        }
        int saeRead = extra ? layers : sae.layer();
        List<SpannedPrompt> prompts = new ArrayList<>();
        prompts.add(PromptBuilder.spanned(lm, task, c, null, p.placement()));
        for (InstructionVariant v : variants) prompts.add(PromptBuilder.spanned(lm, task, c, v, p.placement()));
        float[][][] h = lm.readResiduals(prompts, reads, at);
        stats.addNegative(sae.encode(h[0][saeRead]));
        accumulate(sumNeg, h[0]);
        nNeg++;
        for (int v = 0; v < variants.size(); v++) {
            stats.addPositive(v, sae.encode(h[v + 1][saeRead]));
            accumulate(sumPos, h[v + 1]);
            nPos++;
        }
    }

    /** Adds another partial (same model, SAE and task) into this one. */
    public FindPartial merge(FindPartial o) {
        if (!o.modelId.equals(modelId) || o.layers != layers || o.dModel != dModel)
            throw new IllegalArgumentException("cannot merge find results of different models: " + modelId + " and " + o.modelId);
        stats.merge(o.stats);
        for (int l = 0; l < layers; l++)
            for (int i = 0; i < dModel; i++) {
                sumPos[l][i] += o.sumPos[l][i];
                sumNeg[l][i] += o.sumNeg[l][i];
            }
        nPos += o.nPos;
        nNeg += o.nNeg;
        return this;
    }

    private static void accumulate(double[][] sum, float[][] h) {
        for (int l = 0; l < sum.length; l++) for (int i = 0; i < sum[l].length; i++) sum[l][i] += h[l][i];
    }

    public LatentScores scores() {
        return stats.scores();
    }

    /** Difference of means (positives minus negatives) of the residual at every layer. */
    public float[][] differenceOfMeans() {
        float[][] dom = new float[layers][dModel];
        for (int l = 0; l < layers; l++)
            for (int i = 0; i < dModel; i++) dom[l][i] = (float) (sumPos[l][i] / nPos - sumNeg[l][i] / nNeg);
        return dom;
    }

    public String modelId() { return modelId; }

    public int layers() { return layers; }

    public int dModel() { return dModel; }

    public int positives() { return nPos; }

    public int negatives() { return nNeg; }
}
