package org.saifengine.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks tokens from logits by {@link SamplingParams}; holds the seeded random state of one sequence. Top-k / top-p
 * sort only the candidates above a probability threshold (lowered until enough mass or k tokens are in), so a
 * 50k vocabulary is not sorted on every token.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    private float[] probs = new float[0];
    private long[] keys = new long[0];

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
            keys = new long[n];
        }
        float t = params.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[offset + i] / t);
        double total = 0;
        float pmax = 0;
        for (int i = 0; i < n; i++) {
            probs[i] = (float) Math.exp(logits[offset + i] / t - max);
            total += probs[i];
            pmax = Math.max(pmax, probs[i]);
        }
        int topK = params.topK() > 0 && params.topK() < n ? params.topK() : 0;
        float topP = params.topP();
        if (topK == 0 && topP >= 1f) {
            double u = random.nextDouble() * total, acc = 0;
            for (int i = 0; i < n; i++) {
                acc += probs[i];
                if (u < acc) return i;
            }
            return n - 1;
        }
        // Candidates in descending probability (ties: lower id first), as keys of (probability bits, inverted id).
        float threshold = pmax * 1e-4f;
        int count;
        double mass;
        while (true) {
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (probs[i] >= threshold) keys[m++] = ((long) Float.floatToRawIntBits(probs[i]) << 32) | (Integer.MAX_VALUE - i);
            }
            Arrays.sort(keys, 0, m); // ascending: the best candidate is last
            boolean complete = threshold == 0f;
            if (topK > 0 && m < topK && !complete) {
                threshold = lower(threshold);
                continue;
            }
            count = topK > 0 ? Math.min(m, topK) : m;
            mass = topK > 0 ? 0 : total;
            if (topK > 0) for (int j = 0; j < count; j++) mass += probs[id(m - 1 - j)];
            if (topP < 1f) {
                double cumulative = 0;
                int keep = 0;
                while (keep < count) {
                    cumulative += probs[id(m - 1 - keep)] / mass;
                    keep++;
                    if (cumulative >= topP) break;
                }
                if (cumulative < topP && topK == 0 && !complete) {
                    threshold = lower(threshold);
                    continue;
                }
                count = keep;
            }
            // Shift the chosen candidates to the front, best first.
            for (int j = 0; j < count; j++) keys[j] = keys[m - 1 - j];
            break;
        }
        double sum = 0;
        for (int j = 0; j < count; j++) sum += probs[id(j)];
        double u = random.nextDouble() * sum, acc = 0;
        for (int j = 0; j < count; j++) {
            acc += probs[id(j)];
            if (u < acc) return id(j);
        }
        return id(count - 1);
    }

    private int id(int j) {
        return Integer.MAX_VALUE - (int) (keys[j] & 0xFFFFFFFFL);
    }

    private static float lower(float threshold) {
        return threshold < 1e-30f ? 0f : threshold * 1e-4f;
    }
}
