package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;
import org.saifengine.io.ModelFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds tokenizers from Hugging Face tokenizer.json (+ tokenizer_config.json) or SentencePiece tokenizer.model. */
public final class Tokenizers {
    /** Tokens that end a chat turn in common templates; each counts as EOS when the vocabulary has it. */
    static final List<String> CHAT_END_TOKENS = List.of("<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|end|>",
            "<|eom_id|>", "<|endoftext|>");

    private Tokenizers() {}

    /** The tokenizer of a model: its tokenizer.json (+config), else a tokenizer.model next to the source. */
    public static Tokenizer load(ModelFiles files) throws IOException {
        JsonNode config = files.tokenizerConfig();
        Path dir = files.source() == null ? null : Files.isDirectory(files.source()) ? files.source() : null;
        if (dir != null) config = withTemplateFile(config, dir);
        if (files.tokenizerJson() != null) return fromJson(files.tokenizerJson(), config);
        if (dir != null && Files.isRegularFile(dir.resolve("tokenizer.model")))
            return fromSentencePiece(dir.resolve("tokenizer.model"), config);
        throw new IOException("no tokenizer found for " + files.source() + " (need tokenizer.json or tokenizer.model)");
    }

    /**
     * Loads only tokenizer files (no weights): a directory with tokenizer.json / tokenizer.model (+
     * tokenizer_config.json, chat_template.jinja), a tokenizer.json file, a tokenizer.model file, or a llama2.c
     * tokenizer .bin.
     */
    public static Tokenizer loadPath(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            JsonNode config = optional(path.resolve("tokenizer_config.json"));
            config = withTemplateFile(config, path);
            if (Files.isRegularFile(path.resolve("tokenizer.json")))
                return fromJson(Json.read(path.resolve("tokenizer.json")), config);
            if (Files.isRegularFile(path.resolve("tokenizer.model")))
                return fromSentencePiece(path.resolve("tokenizer.model"), config);
            throw new IOException("no tokenizer.json or tokenizer.model in " + path);
        }
        if (!Files.isRegularFile(path)) throw new IOException("tokenizer path not found: " + path);
        Path dir = path.toAbsolutePath().getParent();
        JsonNode config = withTemplateFile(optional(dir.resolve("tokenizer_config.json")), dir);
        String name = path.getFileName().toString();
        if (name.endsWith(".model")) return fromSentencePiece(path, config);
        if (name.endsWith(".json")) return fromJson(Json.read(path), config);
        if (name.endsWith(".bin")) return SentencePieceLoader.load(LlamaCTokenizerFile.read(path), TokenizerConfig.fromJson(config));
        throw new IOException("not a tokenizer file (want tokenizer.json, tokenizer.model or a llama2.c tokenizer .bin): " + path);
    }

    public static Tokenizer fromJson(JsonNode tokenizerJson, JsonNode tokenizerConfigOrNull) throws IOException {
        return TokenizerJsonLoader.load(tokenizerJson, TokenizerConfig.fromJson(tokenizerConfigOrNull));
    }

    /** A GPT-2 style byte-level BPE from vocab.json and merges.txt (no special tokens beyond the vocabulary). */
    public static Tokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) throws IOException {
        JsonNode vocab = Json.read(vocabJson);
        ArrayNode merges = Json.MAPPER.createArrayNode();
        for (String line : Files.readAllLines(mergesTxt)) {
            if (line.startsWith("#version") || line.isBlank()) continue;
            merges.add(line);
        }
        ObjectNode tok = Json.MAPPER.createObjectNode();
        ObjectNode model = tok.putObject("model");
        model.put("type", "BPE");
        model.set("vocab", vocab);
        model.set("merges", merges);
        ObjectNode pre = tok.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("use_regex", true);
        tok.putObject("decoder").put("type", "ByteLevel");
        return fromJson(tok, null);
    }

    public static Tokenizer fromSentencePiece(Path modelFile, JsonNode tokenizerConfigOrNull) throws IOException {
        return SentencePieceLoader.load(SentencePieceModelFile.read(modelFile),
                TokenizerConfig.fromJson(tokenizerConfigOrNull));
    }

    /** Newer transformers save the template as chat_template.jinja beside tokenizer_config.json. */
    private static JsonNode withTemplateFile(JsonNode config, Path dir) throws IOException {
        Path jinja = dir.resolve("chat_template.jinja");
        if (!Files.isRegularFile(jinja)) return config;
        if (config != null && config.hasNonNull("chat_template")) return config;
        ObjectNode c = config == null ? Json.MAPPER.createObjectNode() : ((ObjectNode) config).deepCopy();
        c.put("chat_template", Files.readString(jinja));
        return c;
    }

    private static JsonNode optional(Path p) throws IOException {
        return Files.isRegularFile(p) ? Json.read(p) : null;
    }

    /** EOS ids: the configured eos token plus chat end tokens present in the vocabulary. */
    static Set<Integer> eosIds(String eosToken, int fallbackEos, java.util.function.ToIntFunction<String> idOf) {
        Set<Integer> ids = new HashSet<>();
        int eos = eosToken == null ? -1 : idOf.applyAsInt(eosToken);
        if (eos >= 0) ids.add(eos);
        else if (fallbackEos >= 0) ids.add(fallbackEos);
        for (String t : CHAT_END_TOKENS) {
            int id = idOf.applyAsInt(t);
            if (id >= 0) ids.add(id);
        }
        return ids;
    }

    static Map<String, Integer> vocabMap(JsonNode vocab) throws IOException {
        if (vocab == null || !vocab.isObject()) throw new IOException("tokenizer.json: model.vocab must be an object of token -> id");
        Map<String, Integer> map = new LinkedHashMap<>(vocab.size() * 2);
        var it = vocab.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToInt()) // asInt would wrap 2^32 to 0
                throw new IOException("tokenizer.json: vocab id of '" + e.getKey() + "' is not a 32-bit integer: " + e.getValue());
            map.put(e.getKey(), e.getValue().asInt());
        }
        return map;
    }

    static List<String[]> mergeList(JsonNode merges) throws IOException {
        List<String[]> list = new ArrayList<>();
        if (merges == null || merges.isNull()) return list;
        if (!merges.isArray()) throw new IOException("tokenizer.json: model.merges must be an array");
        for (JsonNode m : merges) {
            if (m.isTextual()) {
                String[] parts = m.asText().split(" ", -1);
                if (parts.length != 2) throw new IOException("tokenizer.json: merge \"" + m.asText() + "\" is not two tokens separated by one space");
                list.add(parts);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                list.add(new String[]{m.get(0).asText(), m.get(1).asText()});
            } else {
                throw new IOException("tokenizer.json: merge " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return list;
    }
}
