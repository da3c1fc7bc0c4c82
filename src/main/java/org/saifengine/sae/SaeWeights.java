package org.saifengine.sae;

/**
 * SAE parameters as f32, in SAELens orientation: W_enc [d_in, d_sae] and W_dec [d_sae, d_in], row-major.
 * Architecture-specific arrays are null where unused. The arrays are owned by the SAE (folds change them in place).
 */
public record SaeWeights(float[] wEnc, float[] bEnc, float[] wDec, float[] bDec,
                         float[] threshold, float[] bGate, float[] bMag, float[] rMag) {

    public static SaeWeights of(float[] wEnc, float[] bEnc, float[] wDec, float[] bDec) {
        return new SaeWeights(wEnc, bEnc, wDec, bDec, null, null, null, null);
    }

    public SaeWeights withThreshold(float[] t) {
        return new SaeWeights(wEnc, bEnc, wDec, bDec, t, bGate, bMag, rMag);
    }

    /** Checks every array the architecture needs: present, of the right length, finite. */
    void validate(SaeConfig c) {
        long encLen = (long) c.dIn() * c.dSae();
        if (encLen > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("SAE of d_in " + c.dIn() + " x d_sae " + c.dSae() + " is too large (2^31 elements per matrix)");
        }
        check("W_enc", wEnc, encLen, "[" + c.dIn() + ", " + c.dSae() + "]");
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
