package org.saifengine.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks tokens from logits by {@link SamplingParams}; holds the seeded random state of one sequence. */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    private int[] order = new int[0];
    private float[] probs = new float[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    public static int argmax(float[] logits, int offset, int n) {
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = logits[offset + i];
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }

    /** The next token for logits[offset .. offset+n). */
    public int sample(float[] logits, int offset, int n) {
        if (params.isGreedy()) return argmax(logits, offset, n);
        if (probs.length < n) {
            probs = new float[n];
            order = new int[n];
        }
        float t = params.temperature();
        // Candidates: all ids, or the top-k by logit (ties broken by lower id).
        int count = n;
        Integer[] boxed = null;
        if (params.topK() > 0 && params.topK() < n || params.topP() < 1f) {
            boxed = new Integer[n];
            for (int i = 0; i < n; i++) boxed[i] = i;
            Arrays.sort(boxed, (a, b) -> {
                int c = Float.compare(logits[offset + b], logits[offset + a]);
                return c != 0 ? c : Integer.compare(a, b);
            });
            if (params.topK() > 0) count = Math.min(n, params.topK());
            for (int i = 0; i < count; i++) order[i] = boxed[i];
        } else {
            for (int i = 0; i < n; i++) order[i] = i;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) max = Math.max(max, logits[offset + order[i]] / t);
        double sum = 0;
        for (int i = 0; i < count; i++) {
            probs[i] = (float) Math.exp(logits[offset + order[i]] / t - max);
            sum += probs[i];
        }
        if (params.topP() < 1f) {
            // Keep the smallest prefix (by descending probability) whose mass reaches top_p; always keep one.
            double cumulative = 0;
            int keep = 0;
            while (keep < count) {
                cumulative += probs[keep] / sum;
                keep++;
                if (cumulative >= params.topP()) break;
            }
            count = keep;
            sum = 0;
            for (int i = 0; i < count; i++) sum += probs[i];
        }
        double u = random.nextDouble() * sum;
        double acc = 0;
        for (int i = 0; i < count; i++) {
            acc += probs[i];
            if (u < acc) return order[i];
        }
        return order[count - 1];
    }
}
