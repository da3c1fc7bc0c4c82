package org.saifengine.api;

import org.saifengine.model.SamplingParams;
import org.saifengine.steer.SteeringPlan;

import java.util.List;

/**
 * How to generate: token budget, sampling, optional steering and stop strings.
 *
 * @param maxTokens most new tokens (>= 0)
 * @param sampling  greedy or seeded sampling
 * @param steering  a steering plan, or null for none
 * @param stop      texts that end generation (the returned text stops before them)
 */
public record GenerateOptions(int maxTokens, SamplingParams sampling, SteeringPlan steering, List<String> stop) {
    public GenerateOptions {
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        if (sampling == null) sampling = SamplingParams.greedy();
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    /** Greedy, no steering, no stop strings. */
    public static GenerateOptions greedy(int maxTokens) {
        return new GenerateOptions(maxTokens, SamplingParams.greedy(), null, List.of());
    }

    public GenerateOptions withSteering(SteeringPlan plan) {
        return new GenerateOptions(maxTokens, sampling, plan, stop);
    }

    public GenerateOptions withSampling(SamplingParams s) {
        return new GenerateOptions(maxTokens, s, steering, stop);
    }

    public GenerateOptions withStop(List<String> s) {
        return new GenerateOptions(maxTokens, sampling, steering, s);
    }
}
