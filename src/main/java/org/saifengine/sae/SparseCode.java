package org.saifengine.sae;

import java.util.Arrays;

/**
 * The active latents of one token, strongest first, plus the token's normalisation state (needed to decode).
 *
 * @param indices latent ids
 * @param values  activations (> 0), same order
 * @param norm    input normalisation of this token
 */
public record SparseCode(int[] indices, float[] values, NormState norm) {
    public SparseCode {
        if (indices.length != values.length) throw new IllegalArgumentException("indices and values differ in length");
    }

    public int size() { return indices.length; }

    /** The dense activation vector of width dSae. */
    public float[] toDense(int dSae) {
        float[] out = new float[dSae];
        for (int i = 0; i < indices.length; i++) out[indices[i]] = values[i];
        return out;
    }

    /** The same latents with other values (e.g. after editing), in the given order. */
    public SparseCode withValues(float[] newValues) {
        return new SparseCode(indices, newValues, norm);
    }

    @Override
    public String toString() {
        return "SparseCode" + Arrays.toString(indices) + "=" + Arrays.toString(values);
    }
}
