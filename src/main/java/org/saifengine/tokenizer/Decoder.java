package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A tokenizer.json decoder step: token strings in, strings out (Hugging Face's decode_chain); joined at the end. */
interface Decoder {
    List<String> decodeChain(List<String> tokens);

    /** Hugging Face joins tokens with spaces when a tokenizer has no decoder. */
    Decoder NONE = tokens -> List.of(String.join(" ", tokens));

    static Decoder fromJson(JsonNode node) throws IOException {
        if (node == null || node.isNull()) return NONE;
        String type = node.path("type").asText("");
        switch (type) {
            case "Sequence": {
                List<Decoder> parts = new ArrayList<>();
                for (JsonNode n : node.path("decoders")) parts.add(fromJson(n));
                return tokens -> {
                    long limit = TextGrowth.limit(length(tokens));
                    for (Decoder d : parts) {
                        tokens = d.decodeChain(tokens);
                        TextGrowth.require("decoder Sequence", length(tokens), limit);
                    }
                    return tokens;
                };
            }
            case "ByteLevel": return Decoder::byteLevel;
            case "ByteFallback": return Decoder::byteFallback;
            case "Fuse": return tokens -> List.of(String.join("", tokens));
            case "Replace": {
                var p = TokenizerJson.pattern(node.path("pattern"));
                String content = TokenizerJson.text(node, "content");
                return tokens -> {
                    long limit = TextGrowth.limit(length(tokens)), length = 0;
                    List<String> out = new ArrayList<>(tokens.size());
                    for (String t : tokens) {
                        String r = BoundedRegex.replaceAll(p, t, content, limit, "Replace decoder");
                        length += r.length();
                        TextGrowth.require("Replace decoder", length, limit);
                        out.add(r);
                    }
                    return out;
                };
            }
            case "Strip": {
                String content = TokenizerJson.oneCharacter(node, "content", null);
                int start = node.path("start").asInt(0), stop = node.path("stop").asInt(0);
                return tokens -> tokens.stream().map(t -> strip(t, content, start, stop)).toList();
            }
            case "Metaspace": {
                String replacement = TokenizerJson.oneCharacter(node, "replacement", "▁");
                String scheme = node.has("prepend_scheme") ? node.path("prepend_scheme").asText("always")
                        : node.path("add_prefix_space").asBoolean(true) ? "always" : "never";
                boolean stripFirst = !scheme.equals("never");
                return tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) {
                        String t = tokens.get(i).replace(replacement, " ");
                        if (i == 0 && stripFirst && t.startsWith(" ")) t = t.substring(1);
                        out.add(t);
                    }
                    return out;
                };
            }
            default:
                throw new IOException("unsupported decoder type '" + type + "' (supported: Sequence, ByteLevel, "
                        + "ByteFallback, Fuse, Replace, Strip, Metaspace)");
        }
    }

    private static long length(List<String> tokens) {
        long n = 0;
        for (String t : tokens) n += t.length();
        return n;
    }

    private static List<String> byteLevel(List<String> tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String t : tokens) ByteLevel.decodeTo(t, bytes);
        return List.of(bytes.toString(StandardCharsets.UTF_8));
    }

    /** Runs of {@code <0xXX>} tokens become the text of their bytes, or one U+FFFD per byte if not valid UTF-8. */
    static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteArrayOutputStream run = new ByteArrayOutputStream();
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) {
                run.write(b);
                continue;
            }
            flushBytes(run, out);
            out.add(t);
        }
        flushBytes(run, out);
        return out;
    }

    private static void flushBytes(ByteArrayOutputStream run, List<String> out) {
        if (run.size() == 0) return;
        byte[] bytes = run.toByteArray();
        run.reset();
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            out.add(decoder.decode(java.nio.ByteBuffer.wrap(bytes)).toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            for (int i = 0; i < bytes.length; i++) out.add("\uFFFD");
        }
    }

    /** The byte of a {@code <0xXX>} token, or -1. */
    static int byteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static String strip(String t, String content, int start, int stop) {
        int s = 0, e = t.length();
        for (int i = 0; i < start && t.startsWith(content, s); i++) s += content.length();
        for (int i = 0; i < stop && e - content.length() >= s && t.startsWith(content, e - content.length()); i++)
            e -= content.length();
        return t.substring(s, e);
    }
}
