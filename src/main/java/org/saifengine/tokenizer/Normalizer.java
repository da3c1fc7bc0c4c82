package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tokenizer.json normalizer: rewrites each text segment (between added tokens) before pre-tokenization. */
interface Normalizer {
    String normalize(String text);

    Normalizer IDENTITY = t -> t;

    /** Builds the normalizer a tokenizer.json "normalizer" node describes (null or JSON null: identity). */
    static Normalizer fromJson(JsonNode node) throws IOException {
        if (node == null || node.isNull()) return IDENTITY;
        String type = node.path("type").asText("");
        switch (type) {
            case "Sequence": {
                List<Normalizer> parts = new ArrayList<>();
                for (JsonNode n : node.path("normalizers")) parts.add(fromJson(n));
                return t -> {
                    for (Normalizer p : parts) t = p.normalize(t);
                    return t;
                };
            }
            case "NFC": return t -> java.text.Normalizer.normalize(t, Form.NFC);
            case "NFD": return t -> java.text.Normalizer.normalize(t, Form.NFD);
            case "NFKC": return t -> java.text.Normalizer.normalize(t, Form.NFKC);
            case "NFKD": return t -> java.text.Normalizer.normalize(t, Form.NFKD);
            case "Lowercase": return t -> t.toLowerCase(Locale.ROOT);
            case "Prepend": {
                String prefix = TokenizerJson.text(node, "prepend");
                return t -> t.isEmpty() ? t : prefix + t;
            }
            case "Append": {
                String suffix = TokenizerJson.text(node, "append");
                return t -> t.isEmpty() ? t : t + suffix;
            }
            case "Replace": {
                Pattern p = TokenizerJson.pattern(node.path("pattern"));
                String content = TokenizerJson.text(node, "content");
                String literal = Matcher.quoteReplacement(content);
                return t -> p.matcher(t).replaceAll(literal);
            }
            case "Strip": {
                boolean left = node.path("strip_left").asBoolean(true), right = node.path("strip_right").asBoolean(true);
                return t -> left && right ? t.strip() : left ? t.stripLeading() : right ? t.stripTrailing() : t;
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
