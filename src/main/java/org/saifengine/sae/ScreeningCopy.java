package org.saifengine.sae;

/**
 * A low-precision copy of the encoder used only to screen latents: each encoder row w_j (latent-major, length
 * d_in) is stored as int8 q_j with one f32 scale s_j = max|w_j| / 127, plus a per-row error coefficient c_j such
 * that for every input x the float value the exact kernel computes for x·w_j differs from the screened value
 * s_j·(x·q_j) (also computed in float) by at most ||x||₂·c_j:
 * <pre>
 *   |x·w_j - x·(s_j q_j)| <= ||x||₂·||w_j - s_j q_j||₂            (Cauchy-Schwarz; residual norm in double)
 *   + float rounding of both dot products <= γ·||x||₂·(||w_j||₂ + ||s_j q_j||₂),  γ = (n+2)u / (1-(n+2)u)
 * </pre>
 * with n = d_in and u = 2^-24 (the classic bound for any summation order). c_j is rounded up.
 */
final class ScreeningCopy {
    final byte[] q;          // [d_sae, d_in]
    final float[] scale;     // [d_sae]
    final float[] errCoef;   // [d_sae]
    final int dIn, dSae;

    private ScreeningCopy(byte[] q, float[] scale, float[] errCoef, int dIn, int dSae) {
        this.q = q;
        this.scale = scale;
        this.errCoef = errCoef;
        this.dIn = dIn;
        this.dSae = dSae;
    }

    static ScreeningCopy of(float[] rows, int dIn, int dSae) {
        byte[] q = new byte[rows.length];
        float[] scale = new float[dSae], err = new float[dSae];
        double u = Math.ulp(1.0f) / 2;             // 2^-24
        double nu = (dIn + 2) * u;
        double gamma = nu / (1 - nu);
        java.util.stream.IntStream.range(0, dSae).parallel().forEach(j -> {
            int row = j * dIn;
            float max = 0f;
            for (int i = 0; i < dIn; i++) max = Math.max(max, Math.abs(rows[row + i]));
            float s = max / 127f;
            double res = 0, wn = 0, qn = 0;
            for (int i = 0; i < dIn; i++) {
                float v = rows[row + i];
                int qi = s == 0f ? 0 : Math.max(-127, Math.min(127, Math.round(v / s)));
                q[row + i] = (byte) qi;
                double sq = (double) s * qi;         // exact in double
                double r = v - sq;
                res += r * r;
                wn += (double) v * v;
                qn += sq * sq;
            }
            double c = (Math.sqrt(res) + gamma * (Math.sqrt(wn) + Math.sqrt(qn))) * (1 + 1e-6);
            scale[j] = s;
            err[j] = Math.nextUp((float) c);
        });
        return new ScreeningCopy(q, scale, err, dIn, dSae);
    }

    long bytes() {
        return q.length + 8L * dSae;
    }
}
