package org.saifengine.sae;

/**
 * What an SAE is, apart from its weights.
 *
 * @param architecture             activation family
 * @param dIn                      width of the activations it reads
 * @param dSae                     number of latents
 * @param k                        latents kept per token (TopK only; 0 otherwise)
 * @param applyBDecToInput         subtract b_dec from the (normalised) input before encoding
 * @param normalization            run-time input normalisation
 * @param rescaleActsByDecoderNorm TopK: select on pre-activations times decoder row norms, divide them out on decode
 * @param hookName                 TransformerLens hook name it was trained on, or null when unknown
 * @param modelName                model it was trained on, or null
 * @param format                   the on-disk format it was loaded from ("saelens", "gemma-scope", ...)
 */
public record SaeConfig(Architecture architecture, int dIn, int dSae, int k, boolean applyBDecToInput,
                        Normalization normalization, boolean rescaleActsByDecoderNorm,
                        String hookName, String modelName, String format) {
    public SaeConfig {
        if (architecture == null) throw new IllegalArgumentException("SAE architecture is missing");
        if (normalization == null) normalization = Normalization.NONE;
        if (dIn <= 0) throw new IllegalArgumentException("SAE d_in must be positive, got " + dIn);
        if (dSae <= 0) throw new IllegalArgumentException("SAE d_sae must be positive, got " + dSae);
        if (architecture == Architecture.TOPK && (k <= 0 || k > dSae)) {
            throw new IllegalArgumentException("TopK SAE needs 1 <= k <= d_sae (" + dSae + "), got k=" + k);
        }
        if (architecture != Architecture.TOPK) {
            k = 0;
            rescaleActsByDecoderNorm = false;
        }
    }

    public SaeConfig withNormalization(Normalization n) {
        return new SaeConfig(architecture, dIn, dSae, k, applyBDecToInput, n, rescaleActsByDecoderNorm, hookName, modelName, format);
    }

    public SaeConfig withHookName(String hook) {
        return new SaeConfig(architecture, dIn, dSae, k, applyBDecToInput, normalization, rescaleActsByDecoderNorm, hook, modelName, format);
    }

    public SaeConfig withModelName(String model) {
        return new SaeConfig(architecture, dIn, dSae, k, applyBDecToInput, normalization, rescaleActsByDecoderNorm, hookName, model, format);
    }

    public SaeConfig withFormat(String f) {
        return new SaeConfig(architecture, dIn, dSae, k, applyBDecToInput, normalization, rescaleActsByDecoderNorm, hookName, modelName, f);
    }
}
