package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Assembles a PipelineTokenizer from a parsed tokenizer.json and tokenizer_config.json. */
final class TokenizerJsonLoader {
    private TokenizerJsonLoader() {}

    static Tokenizer load(JsonNode json, TokenizerConfig config) throws IOException {
        if (json == null || !json.isObject()) throw new IOException("tokenizer.json must be a JSON object");
        JsonNode modelNode = json.get("model");
        if (modelNode == null || !modelNode.isObject()) throw new IOException("tokenizer.json has no \"model\" object");
        String type = modelNode.path("type").asText(modelNode.has("merges") ? "BPE" : "");
        if (!type.equals("BPE"))
            throw new IOException("unsupported tokenizer model type '" + type + "' (supported: BPE)");
        for (String f : new String[]{"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (modelNode.hasNonNull(f) && !modelNode.get(f).asText().isEmpty())
                throw new IOException("unsupported BPE option " + f + "=" + modelNode.get(f));
        }
        BpeModel model = new BpeModel(Tokenizers.vocabMap(modelNode.get("vocab")),
                Tokenizers.mergeList(modelNode.get("merges")),
                modelNode.hasNonNull("unk_token") ? modelNode.get("unk_token").asText() : null,
                modelNode.path("byte_fallback").asBoolean(false), modelNode.path("fuse_unk").asBoolean(false),
                modelNode.path("ignore_merges").asBoolean(false));

        List<AddedToken> added = new ArrayList<>();
        Map<String, Integer> addedIds = new HashMap<>();
        JsonNode addedNode = json.path("added_tokens");
        if (!addedNode.isMissingNode() && !addedNode.isNull() && !addedNode.isArray())
            throw new IOException("tokenizer.json: added_tokens must be an array");
        for (JsonNode a : addedNode) {
            if (!a.path("id").isIntegralNumber() || !a.path("content").isTextual())
                throw new IOException("tokenizer.json: added token " + a + " needs an integer id and a string content");
            int id = a.get("id").asInt();
            if (!a.get("id").canConvertToInt() || id < 0 || id >= BpeModel.maxId(model.size() + addedNode.size()))
                throw new IOException("tokenizer.json: added token '" + a.get("content").asText() + "' has id " + a.get("id")
                        + ", outside the vocabulary (" + model.size() + " entries + " + addedNode.size() + " added)");
            AddedToken t = new AddedToken(a.get("id").asInt(), a.get("content").asText(), a.path("special").asBoolean(false),
                    a.path("lstrip").asBoolean(false), a.path("rstrip").asBoolean(false),
                    a.path("single_word").asBoolean(false), a.path("normalized").asBoolean(!a.path("special").asBoolean(false)));
            added.add(t);
            addedIds.put(t.content(), t.id());
        }
        java.util.function.ToIntFunction<String> idOf = s -> {
            Integer id = addedIds.get(s);
            return id != null ? id : model.id(s);
        };

        PostProcessor post = PostProcessor.fromJson(json.get("post_processor"), idOf);
        int bos = config.bosToken() == null ? -1 : idOf.applyAsInt(config.bosToken());
        if (post == null) {
            IntList prefix = new IntList(), suffix = new IntList();
            if (Boolean.TRUE.equals(config.addBosToken())) {
                if (bos < 0) throw new IOException("add_bos_token is set but bos_token '" + config.bosToken() + "' is not in the vocabulary");
                prefix.add(bos);
            }
            int eos = config.eosToken() == null ? -1 : idOf.applyAsInt(config.eosToken());
            if (Boolean.TRUE.equals(config.addEosToken())) {
                if (eos < 0) throw new IOException("add_eos_token is set but eos_token '" + config.eosToken() + "' is not in the vocabulary");
                suffix.add(eos);
            }
            post = new PostProcessor(prefix.toArray(), suffix.toArray());
        }
        int vocabSize = model.size();
        for (AddedToken t : added) vocabSize = Math.max(vocabSize, t.id() + 1);
        post.requireWithin(vocabSize);
        if (bos < 0 && post.prefix().length > 0) bos = post.prefix()[0];

        ChatTemplate template = config.chatTemplate() == null ? null
                : new JinjaChatTemplate(config.chatTemplate(), config.bosToken(), config.eosToken());
        return new PipelineTokenizer(added, Normalizer.fromJson(json.get("normalizer")),
                PreTokenizer.fromJson(json.get("pre_tokenizer")), model, post, Decoder.fromJson(json.get("decoder")),
                Set.of(), bos, Tokenizers.eosIds(config.eosToken(), -1, idOf), template);
    }
}
