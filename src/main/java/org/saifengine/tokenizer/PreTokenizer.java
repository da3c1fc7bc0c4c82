package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A tokenizer.json pre-tokenizer: splits a normalized segment into the pieces the model encodes one by one. */
interface PreTokenizer {
    /**
     * @param piece   the text to split
     * @param atStart whether it starts at offset 0 of the whole input (Metaspace's prepend_scheme "first")
     * @param out     receives the pieces, in order
     */
    void split(String piece, boolean atStart, List<String> out);

    PreTokenizer NONE = (p, s, out) -> out.add(p);

    /** The GPT-2 pattern that ByteLevel's use_regex applies. */
    String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    static PreTokenizer fromJson(JsonNode node) throws IOException {
        if (node == null || node.isNull()) return NONE;
        String type = node.path("type").asText("");
        switch (type) {
            case "Sequence": {
                List<PreTokenizer> parts = new ArrayList<>();
                for (JsonNode n : node.path("pretokenizers")) parts.add(fromJson(n));
                return sequence(parts);
            }
            case "Split": {
                Pattern p = TokenizerJson.pattern(node.path("pattern"));
                Splitter.Behavior b = Splitter.behavior(node.path("behavior").asText("Isolated"));
                boolean invert = node.path("invert").asBoolean(false);
                return (piece, atStart, out) -> Splitter.split(piece, p, b, invert, out);
            }
            case "ByteLevel": {
                boolean prefixSpace = node.path("add_prefix_space").asBoolean(false);
                boolean useRegex = node.path("use_regex").asBoolean(true);
                return byteLevel(prefixSpace, useRegex);
            }
            case "Metaspace": {
                String replacement = TokenizerJson.oneCharacter(node, "replacement", "▁");
                String scheme = node.has("prepend_scheme") ? node.path("prepend_scheme").asText("always")
                        : node.path("add_prefix_space").asBoolean(true) ? "always" : "never";
                boolean split = node.path("split").asBoolean(true);
                return metaspace(replacement, scheme, split);
            }
            case "Digits": {
                boolean individual = node.path("individual_digits").asBoolean(false);
                Pattern p = Pattern.compile(individual ? "\\p{N}" : "\\p{N}+");
                return (piece, atStart, out) -> Splitter.split(piece, p, Splitter.Behavior.ISOLATED, false, out);
            }
            case "WhitespaceSplit": {
                Pattern p = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
                return (piece, atStart, out) -> Splitter.split(piece, p, Splitter.Behavior.REMOVED, false, out);
            }
            case "Whitespace": {
                Pattern p = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
                return (piece, atStart, out) -> Splitter.split(piece, p, Splitter.Behavior.REMOVED, true, out);
            }
            default:
                throw new IOException("unsupported pre_tokenizer type '" + type + "' (supported: Sequence, Split, "
                        + "ByteLevel, Metaspace, Digits, Whitespace, WhitespaceSplit)");
        }
    }

    /** The parts in turn; the pieces' total length is bounded by {@link TextGrowth} as each part runs. */
    static PreTokenizer sequence(List<PreTokenizer> parts) {
        return (piece, atStart, out) -> {
            List<String> current = List.of(piece);
            long limit = TextGrowth.limit(piece.length());
            for (PreTokenizer p : parts) {
                List<String> next = new ArrayList<>();
                long length = 0;
                for (int i = 0; i < current.size(); i++) {
                    int from = next.size();
                    p.split(current.get(i), atStart && i == 0, next);
                    for (int j = from; j < next.size(); j++) length += next.get(j).length();
                    TextGrowth.require("pre-tokenizer Sequence", length, limit);
                }
                current = next;
            }
            out.addAll(current);
        };
    }

    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        Pattern gpt2 = PythonRegex.compile(GPT2_PATTERN);
        return (piece, atStart, out) -> {
            String text = addPrefixSpace && !piece.startsWith(" ") ? " " + piece : piece;
            List<String> parts = new ArrayList<>();
            if (useRegex) Splitter.split(text, gpt2, Splitter.Behavior.ISOLATED, false, parts);
            else if (!text.isEmpty()) parts.add(text);
            for (String p : parts) out.add(ByteLevel.encode(p));
        };
    }

    static PreTokenizer metaspace(String replacement, String prependScheme, boolean split) {
        Pattern sep = Pattern.compile(Pattern.quote(replacement));
        return (piece, atStart, out) -> {
            String text = piece.replace(" ", replacement);
            boolean prepend = switch (prependScheme) {
                case "always" -> true;
                case "first" -> atStart;
                default -> false;
            };
            if (prepend && !text.startsWith(replacement)) text = replacement + text;
            if (split) Splitter.split(text, sep, Splitter.Behavior.MERGED_WITH_NEXT, false, out);
            else if (!text.isEmpty()) out.add(text);
        };
    }
}
