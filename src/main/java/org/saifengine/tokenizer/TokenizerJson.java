package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.regex.Pattern;

/** Small helpers for reading tokenizer.json nodes with clear errors. */
final class TokenizerJson {
    private TokenizerJson() {}

    static String text(JsonNode node, String field) throws IOException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual())
            throw new IOException("tokenizer.json: " + node.path("type").asText("node") + " needs a string '" + field + "'");
        return v.asText();
    }

    /** A {"String": literal} or {"Regex": pattern} node as a Java pattern. */
    static Pattern pattern(JsonNode node) throws IOException {
        if (node.has("String")) return Pattern.compile(Pattern.quote(node.get("String").asText()));
        if (node.has("Regex")) {
            try {
                return PythonRegex.compile(node.get("Regex").asText());
            } catch (IllegalArgumentException e) {
                throw new IOException("tokenizer.json: " + e.getMessage(), e);
            }
        }
        throw new IOException("tokenizer.json: pattern must be {\"String\": ...} or {\"Regex\": ...}, got " + node);
    }
}
