package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/**
 * The parts of tokenizer_config.json the engine uses. Token fields may be a string or an AddedToken object
 * ({"content": ...}); add flags are null when the file does not say.
 */
record TokenizerConfig(String bosToken, String eosToken, Boolean addBosToken, Boolean addEosToken,
                       String chatTemplate) {
    static final TokenizerConfig EMPTY = new TokenizerConfig(null, null, null, null, null);

    static TokenizerConfig fromJson(JsonNode node) throws IOException {
        if (node == null || node.isNull()) return EMPTY;
        if (!node.isObject()) throw new IOException("tokenizer_config.json must be a JSON object");
        return new TokenizerConfig(token(node.get("bos_token")), token(node.get("eos_token")),
                flag(node.get("add_bos_token")), flag(node.get("add_eos_token")), template(node.get("chat_template")));
    }

    TokenizerConfig withChatTemplate(String template) {
        return new TokenizerConfig(bosToken, eosToken, addBosToken, addEosToken, template);
    }

    private static String token(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.has("content")) return n.get("content").asText();
        return null;
    }

    private static Boolean flag(JsonNode n) {
        return n == null || n.isNull() ? null : n.asBoolean();
    }

    /** A template string, or from a list of named templates the one named "default". */
    private static String template(JsonNode n) throws IOException {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isArray()) {
            for (JsonNode t : n) if ("default".equals(t.path("name").asText())) return t.path("template").asText();
            if (!n.isEmpty()) return n.get(0).path("template").asText(null);
            return null;
        }
        throw new IOException("tokenizer_config.json: chat_template must be a string or a list of {name, template}");
    }
}
