package org.saifengine.sae;

import java.util.Locale;

/** Input normalisation applied before encoding (and inverted after decoding), as SAELens names it. */
public enum Normalization {
    /** Nothing at run time. */
    NONE("none"),
    /** A dataset-wide scale; once folded into the weights it is NONE at run time (SAELens treats it as identity). */
    EXPECTED_AVERAGE_ONLY_IN("expected_average_only_in"),
    /** x * sqrt(d_in) / ||x||, undone on the output. */
    CONSTANT_NORM_RESCALE("constant_norm_rescale"),
    /** (x - mean) / (std + 1e-5) with the unbiased std, undone on the output as y * std + mean. */
    LAYER_NORM("layer_norm");

    public final String saeLensName;

    Normalization(String saeLensName) {
        this.saeLensName = saeLensName;
    }

    public static Normalization parse(String name) {
        if (name == null || name.equals("null")) return NONE;
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "none", "false" -> NONE;
            case "expected_average_only_in", "true" -> EXPECTED_AVERAGE_ONLY_IN;
            case "constant_norm_rescale" -> CONSTANT_NORM_RESCALE;
            case "layer_norm" -> LAYER_NORM;
            default -> throw new IllegalArgumentException("unknown normalize_activations '" + name
                    + "' (supported: none, expected_average_only_in, constant_norm_rescale, layer_norm)");
        };
    }
}
