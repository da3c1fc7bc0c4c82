package org.saifengine.saif;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;

import java.util.List;

/**
 * Settings of {@code saif eval} (the method's own parameters come from the run's find, optionally overridden).
 *
 * @param maxContents        evaluation contents used (held-out set, in split order) [20]
 * @param maxNewTokens       generation cap per output [64]
 * @param temperature        0 = greedy [0]
 * @param batchSize          generations per batched call; also the resume granularity [8]
 * @param kValues            k sweep (empty = none) [1, 2, 5, 10, 20]
 * @param alphaValues        alpha sweep (empty = none) [0.5, 1, 2, 4, 8]
 * @param layerValues        layer sweep, -1 = every layer (empty = none) [every layer]
 * @param bootstrapResamples resamples for the 95% intervals [1000]
 * @param stopAfter          stop after this many new rows (0 = run to the end); for interrupt tests and budgets
 */
public record EvalParams(int maxContents, int maxNewTokens, double temperature, int batchSize, List<Integer> kValues,
                         List<Double> alphaValues, List<Integer> layerValues, int bootstrapResamples, int stopAfter) implements java.io.Serializable {

    public EvalParams {
        if (maxContents < 1) throw new IllegalArgumentException("--contents must be >= 1, got " + maxContents);
        if (maxNewTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxNewTokens);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("--temperature must be finite and >= 0");
        if (batchSize < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batchSize);
        if (bootstrapResamples < 1) throw new IllegalArgumentException("--bootstrap must be >= 1");
        if (stopAfter < 0) throw new IllegalArgumentException("--stop-after must be >= 0");
        for (int k : kValues) if (k < 1) throw new IllegalArgumentException("k values must be >= 1, got " + k);
        for (double a : alphaValues) if (!Double.isFinite(a)) throw new IllegalArgumentException("alpha values must be finite, got " + a);
        kValues = List.copyOf(kValues);
        alphaValues = List.copyOf(alphaValues);
        layerValues = List.copyOf(layerValues);
    }

    public static EvalParams defaults() {
        return new EvalParams(20, 64, 0, 8, SaifParams.K_SWEEP, SaifParams.ALPHA_SWEEP, List.of(-1), 1000, 0);
    }

    /** Everything that decides the rows (stopAfter and batch size excluded: they do not change results). */
    public ObjectNode identity() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("max_contents", maxContents).put("max_new_tokens", maxNewTokens).put("temperature", temperature);
        ArrayNode k = n.putArray("k_values");
        kValues.forEach(k::add);
        ArrayNode a = n.putArray("alpha_values");
        alphaValues.forEach(a::add);
        ArrayNode l = n.putArray("layer_values");
        layerValues.forEach(l::add);
        return n;
    }
}
