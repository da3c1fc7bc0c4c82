package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** A tokenizer.json normalizer: rewrites each text segment (between added tokens) before pre-tokenization. */
interface Normalizer {
    /** One step; a result over {@code limit} characters is refused (IllegalArgumentException) before it is built. */
    String normalize(String text, long limit);

    /** The whole normalization, bounded by {@link TextGrowth}. */
    default String normalize(String text) {
        return normalize(text, TextGrowth.limit(text.length()));
    }

    Normalizer IDENTITY = (t, limit) -> t;

    /** Builds the normalizer a tokenizer.json "normalizer" node describes (null or JSON null: identity). */
    static Normalizer fromJson(JsonNode node) throws IOException {
        if (node == null || node.isNull()) return IDENTITY;
        String type = node.path("type").asText("");
        switch (type) {
            case "Sequence": {
                List<Normalizer> parts = new ArrayList<>();
                for (JsonNode n : node.path("normalizers")) parts.add(fromJson(n));
                return (t, limit) -> {
                    for (Normalizer p : parts) t = p.normalize(t, limit);
                    return t;
                };
            }
            case "NFC": return (t, limit) -> java.text.Normalizer.normalize(t, Form.NFC);
            case "NFD": return (t, limit) -> java.text.Normalizer.normalize(t, Form.NFD);
            case "NFKC": return (t, limit) -> java.text.Normalizer.normalize(t, Form.NFKC);
            case "NFKD": return (t, limit) -> java.text.Normalizer.normalize(t, Form.NFKD);
            case "Lowercase": return (t, limit) -> t.toLowerCase(Locale.ROOT);
            case "Prepend": {
                String prefix = TokenizerJson.text(node, "prepend");
                return (t, limit) -> {
                    if (t.isEmpty()) return t;
                    TextGrowth.require("Prepend normalizer", (long) prefix.length() + t.length(), limit);
                    return prefix + t;
                };
            }
            case "Append": {
                String suffix = TokenizerJson.text(node, "append");
                return (t, limit) -> {
                    if (t.isEmpty()) return t;
                    TextGrowth.require("Append normalizer", (long) suffix.length() + t.length(), limit);
                    return t + suffix;
                };
            }
            case "Replace": {
                Pattern p = TokenizerJson.pattern(node.path("pattern"));
                String content = TokenizerJson.text(node, "content");
                return (t, limit) -> BoundedRegex.replaceAll(p, t, content, limit, "Replace normalizer");
            }
            case "Strip": {
                boolean left = node.path("strip_left").asBoolean(true), right = node.path("strip_right").asBoolean(true);
                return (t, limit) -> left && right ? t.strip() : left ? t.stripLeading() : right ? t.stripTrailing() : t;
            }
            case "Precompiled": {
                // SentencePiece's compiled normalization map; an empty map is the identity (Llama-style models).
                String map = node.path("precompiled_charsmap").asText("");
                if (map.isEmpty()) return IDENTITY;
                throw new IOException("unsupported normalizer: Precompiled with a non-empty charsmap");
            }
            default:
                throw new IOException("unsupported normalizer type '" + type + "' (supported: Sequence, NFC, NFD, NFKC, "
                        + "NFKD, Lowercase, Prepend, Append, Replace, Strip, Precompiled with an empty map)");
        }
    }
}
