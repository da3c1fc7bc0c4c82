package org.saifengine.saif;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A small TopK sparse autoencoder fitted in-test on real residual activations (the OpenAI / sparsify recipe: MSE
 * loss, unit-norm decoder rows, b_dec initialised to the data mean, Adam): f = TopK(relu(W_enc (x - b_dec) + b_enc)),
 * x_hat = W_dec f + b_dec. It gives the SAIF tests on stories260K an honest dictionary without depending on the SAE
 * package's trainer.
 */
final class TinySae implements LatentDictionary {
    final int dIn, dSae, layer, k;
    final float[] wEnc, bEnc, wDec, bDec; // wEnc [dSae][dIn], wDec [dSae][dIn]

    private TinySae(int dIn, int dSae, int layer, int k) {
        this.dIn = dIn;
        this.dSae = dSae;
        this.layer = layer;
        this.k = k;
        wEnc = new float[dSae * dIn];
        bEnc = new float[dSae];
        wDec = new float[dSae * dIn];
        bDec = new float[dIn];
    }

    static TinySae fit(List<float[]> xs, int dSae, int layer, int k, int steps, int batch, long seed) {
        int d = xs.getFirst().length;
        TinySae s = new TinySae(d, dSae, layer, k);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int j = 0; j < dSae; j++) {
            for (int i = 0; i < d; i++) s.wDec[j * d + i] = (float) rnd.nextGaussian();
            s.normalizeRow(j);
            for (int i = 0; i < d; i++) s.wEnc[j * d + i] = s.wDec[j * d + i];
        }
        for (float[] x : xs) for (int i = 0; i < d; i++) s.bDec[i] += x[i] / xs.size();
        float[][] params = {s.wEnc, s.bEnc, s.wDec, s.bDec};
        float[][] m = new float[4][], v = new float[4][], g = new float[4][];
        for (int p = 0; p < 4; p++) {
            m[p] = new float[params[p].length];
            v[p] = new float[params[p].length];
            g[p] = new float[params[p].length];
        }
        double lr = 2e-3, b1 = 0.9, b2 = 0.999;
        float[] xc = new float[d], err = new float[d];
        for (int step = 1; step <= steps; step++) {
            for (float[] gg : g) java.util.Arrays.fill(gg, 0f);
            for (int b = 0; b < batch; b++) {
                float[] x = xs.get(rnd.nextInt(xs.size()));
                for (int i = 0; i < d; i++) xc[i] = x[i] - s.bDec[i];
                int[] idx = new int[k];
                float[] f = s.topK(xc, idx);
                for (int i = 0; i < d; i++) err[i] = s.bDec[i] - x[i];
                for (int t = 0; t < k; t++) if (f[t] > 0) for (int i = 0; i < d; i++) err[i] += f[t] * s.wDec[idx[t] * d + i];
                float scale = 2f / d / batch;
                for (int i = 0; i < d; i++) g[3][i] += scale * err[i];
                for (int t = 0; t < k; t++) {
                    if (f[t] <= 0) continue;
                    int j = idx[t];
                    double dot = 0;
                    for (int i = 0; i < d; i++) {
                        dot += err[i] * s.wDec[j * d + i];
                        g[2][j * d + i] += scale * err[i] * f[t];
                    }
                    float df = (float) (scale * dot);
                    g[1][j] += df;
                    for (int i = 0; i < d; i++) g[0][j * d + i] += df * xc[i];
                }
            }
            double c1 = 1 - Math.pow(b1, step), c2 = 1 - Math.pow(b2, step);
            for (int p = 0; p < 4; p++) {
                float[] w = params[p];
                for (int i = 0; i < w.length; i++) {
                    m[p][i] = (float) (b1 * m[p][i] + (1 - b1) * g[p][i]);
                    v[p][i] = (float) (b2 * v[p][i] + (1 - b2) * g[p][i] * g[p][i]);
                    w[i] -= (float) (lr * (m[p][i] / c1) / (Math.sqrt(v[p][i] / c2) + 1e-8));
                }
            }
            for (int j = 0; j < dSae; j++) s.normalizeRow(j);
        }
        return s;
    }

    private void normalizeRow(int j) {
        double n = 0;
        for (int i = 0; i < dIn; i++) n += wDec[j * dIn + i] * wDec[j * dIn + i];
        float inv = (float) (1 / Math.sqrt(Math.max(n, 1e-12)));
        for (int i = 0; i < dIn; i++) wDec[j * dIn + i] *= inv;
    }

    /** Values (relu'd) of the k largest pre-activations of a centred input; their indices go to idx. */
    private float[] topK(float[] xc, int[] idx) {
        float[] pre = new float[dSae];
        for (int j = 0; j < dSae; j++) {
            double a = bEnc[j];
            for (int i = 0; i < dIn; i++) a += wEnc[j * dIn + i] * xc[i];
            pre[j] = (float) a;
        }
        float[] vals = new float[k];
        java.util.Arrays.fill(vals, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < dSae; j++) {
            if (pre[j] <= vals[k - 1]) continue;
            int t = k - 1;
            while (t > 0 && vals[t - 1] < pre[j]) {
                vals[t] = vals[t - 1];
                idx[t] = idx[t - 1];
                t--;
            }
            vals[t] = pre[j];
            idx[t] = j;
        }
        for (int t = 0; t < k; t++) vals[t] = Math.max(0f, vals[t]);
        return vals;
    }

    @Override
    public String id() {
        return "tiny-topk-sae-" + dSae + "-k" + k + "@L" + layer;
    }

    @Override
    public int dIn() {
        return dIn;
    }

    @Override
    public int dSae() {
        return dSae;
    }

    @Override
    public int layer() {
        return layer;
    }

    @Override
    public float[] encode(float[] x) {
        float[] xc = new float[dIn];
        for (int i = 0; i < dIn; i++) xc[i] = x[i] - bDec[i];
        int[] idx = new int[k];
        float[] vals = topK(xc, idx);
        float[] f = new float[dSae];
        for (int t = 0; t < k; t++) f[idx[t]] = vals[t];
        return f;
    }

    @Override
    public float[] decoderRow(int j) {
        return java.util.Arrays.copyOfRange(wDec, j * dIn, (j + 1) * dIn);
    }

    /** Fraction of variance unexplained on the given vectors (a quality check of the fit). */
    double fvu(List<float[]> xs) {
        double se = 0, sv = 0;
        float[] mean = new float[dIn];
        for (float[] x : xs) for (int i = 0; i < dIn; i++) mean[i] += x[i] / xs.size();
        for (float[] x : xs) {
            float[] f = encode(x);
            for (int i = 0; i < dIn; i++) {
                double r = bDec[i];
                for (int j = 0; j < dSae; j++) if (f[j] > 0) r += f[j] * wDec[j * dIn + i];
                se += (x[i] - r) * (x[i] - r);
                sv += (x[i] - mean[i]) * (x[i] - mean[i]);
            }
        }
        return se / sv;
    }

    double meanL0(List<float[]> xs) {
        long n = 0;
        for (float[] x : xs) for (float a : encode(x)) if (a > 0) n++;
        return (double) n / xs.size();
    }
}
