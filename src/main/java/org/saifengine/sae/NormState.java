package org.saifengine.sae;

/**
 * Per-token state of the run-time input normalisation: the SAE reads (x - shift) * scaleIn and its output is mapped
 * back as y * scaleOut + shift.
 */
public record NormState(float shift, float scaleIn, float scaleOut) {
    public static final NormState IDENTITY = new NormState(0f, 1f, 1f);
}
