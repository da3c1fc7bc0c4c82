package org.saifengine.model;

/**
 * Rotary embedding settings.
 *
 * @param theta               base (rope_theta)
 * @param type                "default", "linear" or "llama3"
 * @param factor              scaling factor (linear, llama3)
 * @param lowFreqFactor       llama3
 * @param highFreqFactor      llama3
 * @param originalMaxPositions llama3: original_max_position_embeddings
 */
public record RopeConfig(double theta, String type, double factor, double lowFreqFactor, double highFreqFactor,
                         int originalMaxPositions) {
    public static RopeConfig plain(double theta) {
        return new RopeConfig(theta, "default", 1, 0, 0, 0);
    }

    /** HF's inverse frequencies for a head of size headDim, computed in f32 as transformers does. */
    public float[] inverseFrequencies(int headDim) {
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        switch (type) {
            case "default" -> { }
            case "linear" -> {
                for (int i = 0; i < half; i++) inv[i] = (float) (inv[i] / factor);
            }
            case "llama3" -> {
                double lowWavelen = originalMaxPositions / lowFreqFactor;
                double highWavelen = originalMaxPositions / highFreqFactor;
                for (int i = 0; i < half; i++) {
                    float f = inv[i];
                    float wavelen = (float) (2 * Math.PI / f);
                    float scaled = wavelen > lowWavelen ? (float) (f / factor) : f;
                    if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                        float smooth = (float) ((originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor));
                        scaled = (float) ((1 - smooth) * scaled / factor + smooth * scaled);
                    }
                    inv[i] = scaled;
                }
            }
            default -> throw new IllegalArgumentException("unsupported rope type '" + type + "' (supported: default, linear, llama3)");
        }
        return inv;
    }
}
