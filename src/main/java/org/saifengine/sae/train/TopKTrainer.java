package org.saifengine.sae.train;

import org.saifengine.sae.Architecture;
import org.saifengine.sae.FusedEncoder;
import org.saifengine.sae.LatentHeap;
import org.saifengine.sae.Normalization;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;

import java.util.Arrays;
import java.util.Random;

/**
 * Trains a TopK SAE with a hand-written backward pass.
 *
 * Forward per token: x' = x - b_dec; pre = x' W_enc + b_enc; keep the k largest positive pre (TopK after ReLU);
 * x̂ = Σ a_j W_dec[j] + b_dec. Loss = Σ||x̂ - x||² / Σ||x - mean(x)||² (the batch FVU) + α · AuxK, where AuxK
 * reconstructs the residual x - x̂ from the top k_aux = d_in/2 dead latents (those that have not fired for
 * deadTokens tokens), scaled by min(#dead / k_aux, 1) (OpenAI appendix B.1). Decoder rows are kept at unit norm:
 * the gradient component along each row is removed before the Adam step and rows are renormalised after it.
 * b_dec starts at the geometric median of the first batch, W_dec at random unit rows, W_enc at W_dec^T, b_enc at 0.
 */
public final class TopKTrainer {
    private final TrainConfig cfg;
    private final int dIn, n;
    final TrainState s;

    /** Scratch, reused across steps. */
    private float[][] pre = new float[0][];
    private float[][] xp = new float[0][];
    private final float[] gWencT, gWdec, gBenc, gBdec;

    public TopKTrainer(TrainConfig cfg, int dIn, TrainState state) {
        this.cfg = cfg;
        this.dIn = dIn;
        this.n = cfg.dSae();
        this.s = state;
        gWencT = new float[n * dIn];
        gWdec = new float[n * dIn];
        gBenc = new float[n];
        gBdec = new float[dIn];
    }

    /** Fresh parameters; b_dec from the geometric median of the given sample of activations. */
    public static TrainState initialise(TrainConfig cfg, int dIn, float[][] sample) {
        int n = cfg.dSae();
        TrainState st = TrainState.zeros(dIn, n);
        Random r = new Random(cfg.seed());
        for (int j = 0; j < n; j++) {
            double ss = 0;
            for (int d = 0; d < dIn; d++) {
                float v = (float) r.nextGaussian();
                st.wDec[j * dIn + d] = v;
                ss += v * v;
            }
            float inv = (float) (1 / Math.sqrt(ss));
            for (int d = 0; d < dIn; d++) st.wDec[j * dIn + d] *= inv;
        }
        for (int j = 0; j < n; j++) for (int d = 0; d < dIn; d++) st.wEnc[d * n + j] = st.wDec[j * dIn + d];
        float[] median = geometricMedian(sample, 100);
        System.arraycopy(median, 0, st.bDec, 0, dIn);
        return st;
    }

    /** Weiszfeld's algorithm, started at the mean. */
    static float[] geometricMedian(float[][] xs, int iters) {
        int d = xs[0].length;
        double[] m = new double[d];
        for (float[] x : xs) for (int i = 0; i < d; i++) m[i] += x[i];
        for (int i = 0; i < d; i++) m[i] /= xs.length;
        for (int it = 0; it < iters; it++) {
            double[] num = new double[d];
            double den = 0;
            for (float[] x : xs) {
                double dist = 0;
                for (int i = 0; i < d; i++) dist += (x[i] - m[i]) * (x[i] - m[i]);
                double w = 1 / Math.max(Math.sqrt(dist), 1e-8);
                for (int i = 0; i < d; i++) num[i] += w * x[i];
                den += w;
            }
            double shift = 0;
            for (int i = 0; i < d; i++) {
                double v = num[i] / den;
                shift += (v - m[i]) * (v - m[i]);
                m[i] = v;
            }
            if (Math.sqrt(shift) < 1e-7) break;
        }
        float[] out = new float[d];
        for (int i = 0; i < d; i++) out[i] = (float) m[i];
        return out;
    }

    /** One Adam step on a batch of activations. */
    public StepStats step(float[][] batch) {
        int B = batch.length;
        Pass p = pass(batch);
        for (int j = 0; j < n; j++) {
            if (p.fired[j]) s.tokensSinceFired[j] = 0;
            else s.tokensSinceFired[j] += B;
        }
        double lr = cfg.lrAt(s.step);
        adamUpdate(lr);
        s.step++;
        s.tokensSeen += B;
        int deadNow = 0;
        for (int j = 0; j < n; j++) if (s.tokensSinceFired[j] > cfg.deadTokens()) deadNow++;
        return new StepStats(p.sse / p.totalVar, p.auxScale * p.auxSse / p.totalVar, p.l0 / B, (double) deadNow / n, lr);
    }

    /** Forward and backward of one batch: the loss terms, and the gradients left in gWencT, gWdec, gBenc, gBdec. */
    record Pass(double sse, double auxSse, double totalVar, double auxScale, double l0, boolean[] fired, long selection) {
        double loss(double auxkAlpha) {
            return sse / totalVar + auxkAlpha * auxScale * auxSse / totalVar;
        }
    }

    Pass pass(float[][] batch) {
        int B = batch.length;
        if (pre.length < B) {
            pre = new float[B][n];
            xp = new float[B][dIn];
        }
        float[][] xpB = Arrays.copyOf(xp, B), preB = Arrays.copyOf(pre, B);
        // Total variance of the batch (denominator of the FVU).
        double[] mean = new double[dIn];
        for (float[] x : batch) for (int d = 0; d < dIn; d++) mean[d] += x[d];
        for (int d = 0; d < dIn; d++) mean[d] /= B;
        double totalVar = 0;
        for (float[] x : batch) for (int d = 0; d < dIn; d++) totalVar += (x[d] - mean[d]) * (x[d] - mean[d]);
        totalVar = Math.max(totalVar, 1e-12);

        for (int t = 0; t < B; t++) for (int d = 0; d < dIn; d++) xpB[t][d] = batch[t][d] - s.bDec[d];
        FusedEncoder.dots(s.wEnc, dIn, n, xpB, preB);

        int numDead = 0;
        boolean[] dead = new boolean[n];
        for (int j = 0; j < n; j++) if (s.tokensSinceFired[j] > cfg.deadTokens()) { dead[j] = true; numDead++; }
        int kAuxFull = Math.max(1, dIn / 2);
        int kAux = Math.min(kAuxFull, numDead);
        double auxScale = Math.min((double) numDead / kAuxFull, 1.0);

        Arrays.fill(gWencT, 0f);
        Arrays.fill(gWdec, 0f);
        Arrays.fill(gBenc, 0f);
        Arrays.fill(gBdec, 0f);
        LatentHeap heap = new LatentHeap(cfg.k());
        LatentHeap auxHeap = new LatentHeap(Math.max(1, kAux));
        boolean[] fired = new boolean[n];
        float[] recon = new float[dIn], g = new float[dIn], gx = new float[dIn], eHat = new float[dIn];
        int[] idx = new int[cfg.k()];
        float[] act = new float[cfg.k()];
        double sse = 0, auxSse = 0, l0 = 0;
        long selection = 0;  // fingerprint of which latents each token selected (tests use it to spot top-k flips)
        float mainScale = (float) (2.0 / totalVar);
        float auxGradScale = (float) (cfg.auxkAlpha() * auxScale * 2.0 / totalVar);

        for (int t = 0; t < B; t++) {
            float[] p = preB[t];
            for (int j = 0; j < n; j++) p[j] += s.bEnc[j];
            heap.clear();
            for (int j = 0; j < n; j++) heap.offer(j, p[j]);
            int m = heap.size();
            l0 += m;
            System.arraycopy(s.bDec, 0, recon, 0, dIn);
            for (int q = 0; q < m; q++) {
                idx[q] = heap.indexAt(q);
                act[q] = heap.valueAt(q);
                fired[idx[q]] = true;
                selection += (long) (t + 1) * 1_000_003L * (idx[q] + 1) ^ (idx[q] * 7919L);
                axpy(act[q], s.wDec, idx[q] * dIn, recon, dIn);
            }
            // g = dLoss/dx̂ = 2 (x̂ - x) / V
            for (int d = 0; d < dIn; d++) {
                float e = recon[d] - batch[t][d];
                sse += (double) e * e;
                g[d] = mainScale * e;
            }
            Arrays.fill(gx, 0f);
            for (int d = 0; d < dIn; d++) gBdec[d] += g[d];
            for (int q = 0; q < m; q++) backLatent(idx[q], act[q], g, xpB[t], gx);

            if (kAux > 0 && cfg.auxkAlpha() > 0) {
                auxHeap.clear();
                for (int j = 0; j < n; j++) if (dead[j]) auxHeap.offer(j, p[j]);
                Arrays.fill(eHat, 0f);
                int ma = auxHeap.size();
                for (int q = 0; q < ma; q++) {
                    axpy(auxHeap.valueAt(q), s.wDec, auxHeap.indexAt(q) * dIn, eHat, dIn);
                    selection += (long) (t + 7) * 999_983L * (auxHeap.indexAt(q) + 3);
                }
                // target: the main residual x - x̂ (detached)
                for (int d = 0; d < dIn; d++) {
                    float diff = eHat[d] - (batch[t][d] - recon[d]);
                    auxSse += (double) diff * diff;
                    g[d] = auxGradScale * diff;
                }
                for (int q = 0; q < ma; q++) backLatent(auxHeap.indexAt(q), auxHeap.valueAt(q), g, xpB[t], gx);
            }
            for (int d = 0; d < dIn; d++) gBdec[d] -= gx[d];  // x' = x - b_dec
        }
        return new Pass(sse, auxSse, totalVar, auxScale, l0, fired, selection);
    }

    float[] gradWencT() { return gWencT; }

    float[] gradWdec() { return gWdec; }

    float[] gradBenc() { return gBenc; }

    float[] gradBdec() { return gBdec; }

    /** Backward through one active latent j with value a, given g = dLoss/dOutput; accumulates dLoss/dx' into gx. */
    private void backLatent(int j, float a, float[] g, float[] xpT, float[] gx) {
        int row = j * dIn;
        float ga = 0f;
        for (int d = 0; d < dIn; d++) {
            ga += g[d] * s.wDec[row + d];
            gWdec[row + d] += a * g[d];
        }
        // a = pre (active, > 0): dpre = da
        gBenc[j] += ga;
        for (int d = 0; d < dIn; d++) {
            gWencT[row + d] += ga * xpT[d];
            gx[d] += ga * s.wEnc[d * n + j];
        }
    }

    private static void axpy(float a, float[] x, int off, float[] y, int len) {
        for (int d = 0; d < len; d++) y[d] += a * x[off + d];
    }

    private void adamUpdate(double lr) {
        // Keep decoder rows on the unit sphere: drop the gradient component along each row.
        for (int j = 0; j < n; j++) {
            int row = j * dIn;
            float dot = 0f;
            for (int d = 0; d < dIn; d++) dot += gWdec[row + d] * s.wDec[row + d];
            for (int d = 0; d < dIn; d++) gWdec[row + d] -= dot * s.wDec[row + d];
        }
        long t = s.step + 1;
        double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        float c1 = (float) (1 / (1 - Math.pow(b1, t)));
        float c2 = (float) (1 / (1 - Math.pow(b2, t)));
        float flr = (float) lr;
        // W_enc [d_in, n] with its gradient held transposed [n, d_in].
        for (int d = 0; d < dIn; d++) {
            for (int j = 0; j < n; j++) {
                int i = d * n + j;
                adam(s.wEnc, s.mWenc, s.vWenc, i, gWencT[j * dIn + d], flr, c1, c2);
            }
        }
        for (int i = 0; i < gWdec.length; i++) adam(s.wDec, s.mWdec, s.vWdec, i, gWdec[i], flr, c1, c2);
        for (int i = 0; i < n; i++) adam(s.bEnc, s.mBenc, s.vBenc, i, gBenc[i], flr, c1, c2);
        for (int i = 0; i < dIn; i++) adam(s.bDec, s.mBdec, s.vBdec, i, gBdec[i], flr, c1, c2);
        for (int j = 0; j < n; j++) {
            int row = j * dIn;
            double ss = 0;
            for (int d = 0; d < dIn; d++) ss += (double) s.wDec[row + d] * s.wDec[row + d];
            float inv = (float) (1 / Math.max(Math.sqrt(ss), 1e-12));
            for (int d = 0; d < dIn; d++) s.wDec[row + d] *= inv;
        }
    }

    private static void adam(float[] w, float[] m, float[] v, int i, float g, float lr, float c1, float c2) {
        float mi = m[i] = 0.9f * m[i] + 0.1f * g;
        float vi = v[i] = 0.999f * v[i] + 0.001f * g * g;
        w[i] -= lr * (mi * c1) / ((float) Math.sqrt(vi * c2) + 1e-8f);
    }

    /** The current parameters as an inference SAE (copies). */
    public Sae toSae(String hookName, String modelName) {
        SaeConfig c = new SaeConfig(Architecture.TOPK, dIn, n, cfg.k(), true, Normalization.NONE, false, hookName, modelName, "saelens");
        return Sae.create(c, SaeWeights.of(s.wEnc.clone(), s.bEnc.clone(), s.wDec.clone(), s.bDec.clone()));
    }

    public TrainState state() { return s; }

    public TrainConfig config() { return cfg; }
}
