package org.saifengine.saif;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;
import org.saifengine.steer.Positions;

import java.util.List;

/**
 * Every choice of the SAIF method (shared/notes/saif-method.md), with its documented default.
 *
 * @param k                    number of latents selected [10]
 * @param tau                  minimum consistency (min over variants of the firing frequency) [0.5]
 * @param rho                  maximum firing frequency on negatives [0.2]
 * @param activeThreshold      a latent "fires" when its activation is above this [0]
 * @param rankBy               selection ranking: sensitivity (mean_P - mean_N) or its standardized version [sensitivity]
 * @param placement            instruction placement for discovery [post]
 * @param readPosition         where latents are read [last prompt token]
 * @param maxDiscoveryContents discovery contents used per variant (0 = all) [40]
 * @param alpha                steering strength [4]
 * @param layer                steering layer, -1 = the SAE's layer [-1]
 * @param positions            steering positions [all]
 * @param fromStep             first generation step steered when positions = from-step [0]
 * @param renormalize          rescale each steered position to its pre-steering norm [false]
 * @param domStrength          difference-of-means strength w in w*u/|u|; NaN = the SAIF vector's norm [NaN]
 * @param seed                 seed of the random-latent control and of sampling [0]
 */
public record SaifParams(int k, double tau, double rho, double activeThreshold, RankBy rankBy, Placement placement,
                         ReadPosition readPosition, int maxDiscoveryContents, double alpha, int layer, Positions positions,
                         int fromStep, boolean renormalize, double domStrength, long seed) implements java.io.Serializable {

    public enum RankBy { SENSITIVITY, STANDARDIZED }

    /** The alpha sweep of the method note (0.5..8). */
    public static final List<Double> ALPHA_SWEEP = List.of(0.5, 1.0, 2.0, 4.0, 8.0);
    public static final List<Integer> K_SWEEP = List.of(1, 2, 5, 10, 20);

    public SaifParams {
        if (k < 1) throw new IllegalArgumentException("k must be >= 1, got " + k);
        if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("tau must be in [0, 1], got " + tau);
        if (!(rho >= 0 && rho <= 1)) throw new IllegalArgumentException("rho must be in [0, 1], got " + rho);
        if (!Double.isFinite(activeThreshold)) throw new IllegalArgumentException("activeThreshold must be finite");
        if (!Double.isFinite(alpha)) throw new IllegalArgumentException("alpha must be finite, got " + alpha);
        if (maxDiscoveryContents < 0) throw new IllegalArgumentException("maxDiscoveryContents must be >= 0");
        if (fromStep < 0) throw new IllegalArgumentException("fromStep must be >= 0");
        if (Double.isInfinite(domStrength)) throw new IllegalArgumentException("domStrength must be finite or NaN");
    }

    public static SaifParams defaults() {
        return new SaifParams(10, 0.5, 0.2, 0.0, RankBy.SENSITIVITY, Placement.POST, ReadPosition.LAST, 40, 4.0, -1,
                Positions.ALL, 0, false, Double.NaN, 0);
    }

    public SaifParams withK(int newK) {
        return new SaifParams(newK, tau, rho, activeThreshold, rankBy, placement, readPosition, maxDiscoveryContents,
                alpha, layer, positions, fromStep, renormalize, domStrength, seed);
    }

    public SaifParams withSelection(int newK, double newTau, double newRho) {
        return new SaifParams(newK, newTau, newRho, activeThreshold, rankBy, placement, readPosition, maxDiscoveryContents,
                alpha, layer, positions, fromStep, renormalize, domStrength, seed);
    }

    /** The parameters as JSON (NaN domStrength written as null). */
    public ObjectNode toJson() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("k", k).put("tau", tau).put("rho", rho).put("active_threshold", activeThreshold)
                .put("rank_by", rankBy.name().toLowerCase(java.util.Locale.ROOT)).put("placement", placement.id())
                .put("read_position", readPosition.id()).put("max_discovery_contents", maxDiscoveryContents)
                .put("alpha", alpha).put("layer", layer).put("positions", positions.id()).put("from_step", fromStep)
                .put("renormalize", renormalize).put("seed", seed);
        if (Double.isNaN(domStrength)) n.putNull("dom_strength");
        else n.put("dom_strength", domStrength);
        return n;
    }

    /** Reads parameters written by {@link #toJson()}; missing fields take their defaults. */
    public static SaifParams fromJson(JsonNode n) {
        SaifParams d = defaults();
        JsonNode dom = n.get("dom_strength");
        return new SaifParams(n.path("k").asInt(d.k), n.path("tau").asDouble(d.tau), n.path("rho").asDouble(d.rho),
                n.path("active_threshold").asDouble(d.activeThreshold),
                RankBy.valueOf(n.path("rank_by").asText("sensitivity").toUpperCase(java.util.Locale.ROOT)),
                Placement.parse(n.path("placement").asText("post")), ReadPosition.parse(n.path("read_position").asText("last")),
                n.path("max_discovery_contents").asInt(d.maxDiscoveryContents), n.path("alpha").asDouble(d.alpha),
                n.path("layer").asInt(d.layer), Positions.parse(n.path("positions").asText("all")),
                n.path("from_step").asInt(0), n.path("renormalize").asBoolean(false),
                dom == null || dom.isNull() ? Double.NaN : dom.asDouble(), n.path("seed").asLong(0));
    }
}
