package org.saifengine.sae;

/**
 * SAE parameters as f32. The encoder is held once, latent-major: {@code encoderRows} is W_enc transposed,
 * [d_sae, d_in] row-major, so row j holds latent j's encoder weights contiguously (what the fused and screened
 * encoders stream, and what a candidate's exact recompute reads). W_dec is [d_sae, d_in] as in SAELens.
 * Architecture-specific arrays are null where unused. The arrays are owned by the SAE (folds change them in place).
 */
public record SaeWeights(float[] encoderRows, float[] bEnc, float[] wDec, float[] bDec,
                         float[] threshold, float[] bGate, float[] bMag, float[] rMag) {

    /** From W_enc in SAELens orientation [d_in, d_sae] (d_in is taken from b_dec); W_enc is transposed once. */
    public static SaeWeights of(float[] wEnc, float[] bEnc, float[] wDec, float[] bDec) {
        return ofSaeLens(wEnc, bEnc, wDec, bDec, null, null, null, null);
    }

    /** All tensors in SAELens orientation (W_enc [d_in, d_sae]); the encoder is transposed to latent-major once. */
    public static SaeWeights ofSaeLens(float[] wEnc, float[] bEnc, float[] wDec, float[] bDec,
                                       float[] threshold, float[] bGate, float[] bMag, float[] rMag) {
        if (wEnc == null || bDec == null || bDec.length == 0 || wEnc.length % bDec.length != 0) {
            // Leave the shape complaint to validate(), which names the tensor.
            return new SaeWeights(wEnc, bEnc, wDec, bDec, threshold, bGate, bMag, rMag);
        }
        int dIn = bDec.length;
        return new SaeWeights(transpose(wEnc, dIn, wEnc.length / dIn), bEnc, wDec, bDec, threshold, bGate, bMag, rMag);
    }

    public SaeWeights withThreshold(float[] t) {
        return new SaeWeights(encoderRows, bEnc, wDec, bDec, t, bGate, bMag, rMag);
    }

    /** A fresh copy of W_enc in SAELens orientation [d_in, d_sae] (for writers and interop). */
    public float[] wEnc(int dIn, int dSae) {
        return transpose(encoderRows, dSae, dIn);
    }

    /** [rows, cols] row-major to [cols, rows] row-major, in cache-sized tiles (the 16k SAEs are 151 MB). */
    public static float[] transpose(float[] a, int rows, int cols) {
        float[] out = new float[a.length];
        final int B = 64;
        for (int r0 = 0; r0 < rows; r0 += B) {
            int r1 = Math.min(rows, r0 + B);
            for (int c0 = 0; c0 < cols; c0 += B) {
                int c1 = Math.min(cols, c0 + B);
                for (int r = r0; r < r1; r++) {
                    int base = r * cols;
                    for (int c = c0; c < c1; c++) out[c * rows + r] = a[base + c];
                }
            }
        }
        return out;
    }

    /** Checks every array the architecture needs: present, of the right length, finite. */
    void validate(SaeConfig c) {
        long encLen = (long) c.dIn() * c.dSae();
        if (encLen > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("SAE of d_in " + c.dIn() + " x d_sae " + c.dSae() + " is too large (2^31 elements per matrix)");
        }
        check("W_enc", encoderRows, encLen, "[" + c.dIn() + ", " + c.dSae() + "]");
        check("W_dec", wDec, encLen, "[" + c.dSae() + ", " + c.dIn() + "]");
        check("b_dec", bDec, c.dIn(), "[" + c.dIn() + "]");
        String ds = "[" + c.dSae() + "]";
        switch (c.architecture()) {
            case STANDARD, TOPK -> check("b_enc", bEnc, c.dSae(), ds);
            case JUMPRELU -> {
                check("b_enc", bEnc, c.dSae(), ds);
                check("threshold", threshold, c.dSae(), ds);
            }
            case GATED -> {
                check("b_gate", bGate, c.dSae(), ds);
                check("b_mag", bMag, c.dSae(), ds);
                check("r_mag", rMag, c.dSae(), ds);
            }
        }
    }

    private static void check(String name, float[] a, long n, String shape) {
        if (a == null) throw new IllegalArgumentException("SAE tensor '" + name + "' is missing (expected shape " + shape + ")");
        if (a.length != n) {
            throw new IllegalArgumentException("SAE tensor '" + name + "' has " + a.length + " elements but the config needs shape " + shape);
        }
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                throw new IllegalArgumentException("SAE tensor '" + name + "' contains " + a[i] + " at element " + i);
            }
        }
    }
}
