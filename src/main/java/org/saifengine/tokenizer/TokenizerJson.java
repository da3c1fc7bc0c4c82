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

    /**
     * A field Hugging Face holds as one char (Metaspace's replacement, Strip's content); a longer string would not
     * load there, and here would let a decoder or pre-tokenizer multiply the text.
     */
    static String oneCharacter(JsonNode node, String field, String fallback) throws IOException { // fallback null: required
        JsonNode v = node.get(field);
        if ((v == null || v.isNull()) && fallback != null) return fallback;
        String s = text(node, field);
        if (s.codePointCount(0, s.length()) != 1) {
            throw new IOException("tokenizer.json: " + node.path("type").asText() + " '" + field + "' must be one character, got " + v);
        }
        return s;
    }
}
