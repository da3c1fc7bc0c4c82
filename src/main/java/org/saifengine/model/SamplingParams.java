package org.saifengine.model;

/**
 * How to pick the next token. temperature 0 is greedy (argmax; ties go to the lowest id). Otherwise logits are
 * divided by temperature, then top-k (0 = off) and top-p (1 = off) filter them, in that order (as HF does), and a
 * token is drawn with a generator seeded by seed: the same seed gives the same tokens.
 */
public record SamplingParams(float temperature, int topK, float topP, long seed) {
    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be within (0, 1], got " + topP);
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0L);
    }

    public boolean isGreedy() { return temperature == 0f; }
}
