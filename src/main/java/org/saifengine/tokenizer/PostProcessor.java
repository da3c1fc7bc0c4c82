package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.function.ToIntFunction;

/**
 * What encode(text) adds around the ids of a single sequence: the tokenizer.json post_processor's template
 * (e.g. BOS before), or null when the file has no template (then tokenizer_config's add_bos/eos flags decide).
 */
record PostProcessor(int[] prefix, int[] suffix) {
    static final PostProcessor NOTHING = new PostProcessor(new int[0], new int[0]);

    /** Returns null if the node adds no template (absent, or ByteLevel's offset trimming only). */
    static PostProcessor fromJson(JsonNode node, ToIntFunction<String> idOf) throws IOException {
        if (node == null || node.isNull()) return null;
        String type = node.path("type").asText("");
        switch (type) {
            case "ByteLevel":
                return null;
            case "TemplateProcessing": {
                IntList prefix = new IntList(), suffix = new IntList();
                boolean seenSequence = false;
                for (JsonNode item : node.path("single")) {
                    if (item.has("Sequence")) {
                        seenSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String name = item.get("SpecialToken").path("id").asText();
                        JsonNode ids = node.path("special_tokens").path(name).path("ids");
                        if (!ids.isArray()) throw new IOException("post_processor: special token '" + name + "' has no ids");
                        for (JsonNode id : ids) {
                            if (!id.isIntegralNumber() || !id.canConvertToInt())
                                throw new IOException("post_processor: special token '" + name + "' has id " + id + ", not a token id");
                            (seenSequence ? suffix : prefix).add(id.asInt());
                        }
                    } else {
                        throw new IOException("post_processor: unknown template item " + item);
                    }
                }
                return new PostProcessor(prefix.toArray(), suffix.toArray());
            }
            case "BertProcessing":
            case "RobertaProcessing": {
                int cls = node.path("cls").path(1).asInt(-1), sep = node.path("sep").path(1).asInt(-1);
                if (cls < 0 || sep < 0) throw new IOException("post_processor " + type + " needs cls and sep");
                return new PostProcessor(new int[]{cls}, new int[]{sep});
            }
            case "Sequence": {
                PostProcessor result = null;
                for (JsonNode p : node.path("processors")) {
                    PostProcessor pp = fromJson(p, idOf);
                    if (pp != null) result = result == null ? pp : result.then(pp);
                }
                return result;
            }
            default:
                throw new IOException("unsupported post_processor type '" + type
                        + "' (supported: TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence)");
        }
    }

    private PostProcessor then(PostProcessor outer) {
        return new PostProcessor(concat(outer.prefix, prefix), concat(suffix, outer.suffix));
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Every id added must be a token of the vocabulary, or encode would emit ids the model has no row for. */
    void requireWithin(int vocabSize) throws IOException {
        for (int[] ids : new int[][]{prefix, suffix}) {
            for (int id : ids) {
                if (id < 0 || id >= vocabSize)
                    throw new IOException("tokenizer.json: post_processor adds token id " + id + ", outside the vocabulary [0, " + vocabSize + ")");
            }
        }
    }

    int[] apply(int[] ids) {
        if (prefix.length == 0 && suffix.length == 0) return ids;
        return concat(concat(prefix, ids), suffix);
    }
}
