package org.saifengine.saif.check;

import com.fasterxml.jackson.databind.JsonNode;

/** Builds a task's checker from its spec ({"type": ..., options with their defaults below}). */
public final class Checkers {
    private Checkers() {}

    public static Checker fromSpec(JsonNode spec) {
        String type = spec.path("type").asText("");
        return switch (type) {
            case "language" -> new LanguageChecker(spec.path("language").asText(), spec.path("minSentenceWords").asInt(4));
            case "summary" -> new SummaryChecker(spec.path("maxWords").asInt(40), spec.path("minOverlap").asDouble(0.3),
                    spec.path("maxLengthRatio").asDouble(0.7));
            case "keywords" -> new KeywordChecker(spec.path("maxKeywords").asInt(5), spec.path("maxWordsPerKeyword").asInt(4),
                    spec.path("minOverlap").asDouble(0.5));
            case "lowercase" -> IfevalRule.lowercase();
            case "capitals" -> IfevalRule.capitals();
            case "json" -> IfevalRule.json();
            case "no-commas" -> IfevalRule.noCommas();
            case "pronoun" -> new PronounChecker(spec.path("target").asText("she"));
            default -> throw new IllegalArgumentException("unknown checker type '" + type
                    + "' (expected language, summary, keywords, lowercase, capitals, json, no-commas or pronoun)");
        };
    }
}
