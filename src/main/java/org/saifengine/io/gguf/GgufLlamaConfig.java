package org.saifengine.io.gguf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.InvalidFileException;

/**
 * The Hugging Face {@code config.json} (LlamaForCausalLM) for a GGUF of architecture {@code llama}, with the
 * values transformers derives from the same metadata.
 */
public final class GgufLlamaConfig {
    private GgufLlamaConfig() {}

    public static ObjectNode build(GgufFile g, int vocabSize, boolean tiedEmbeddings) throws InvalidFileException {
        String a = "llama.";
        int hidden = positive(g, a + "embedding_length");
        int heads = positive(g, a + "attention.head_count");
        int kvHeads = g.metadata().containsKey(a + "attention.head_count_kv") ? positive(g, a + "attention.head_count_kv") : heads;
        if (hidden % heads != 0 || heads % kvHeads != 0) {
            throw new InvalidFileException(g.path() + ": embedding_length " + hidden + ", head_count " + heads
                    + " and head_count_kv " + kvHeads + " do not divide evenly");
        }
        int headDim = g.metadata().containsKey(a + "attention.key_length") ? positive(g, a + "attention.key_length")
                : g.metadata().containsKey(a + "rope.dimension_count") ? positive(g, a + "rope.dimension_count") : hidden / heads;

        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", positive(g, a + "feed_forward_length"));
        c.put("num_hidden_layers", positive(g, a + "block_count"));
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim);
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", g.metadata().containsKey(a + "context_length") ? positive(g, a + "context_length") : 2048);
        c.put("rms_norm_eps", g.metadata().containsKey(a + "attention.layer_norm_rms_epsilon")
                ? g.get(a + "attention.layer_norm_rms_epsilon").asDouble() : 1e-5);
        double theta = g.metadata().containsKey(a + "rope.freq_base") ? g.get(a + "rope.freq_base").asDouble() : 10000.0;
        c.put("rope_theta", theta);
        ObjectNode rope = c.putObject("rope_parameters");
        rope.put("rope_theta", theta);
        rope.put("rope_type", "default");
        GgufValue scalingType = g.metadata().get(a + "rope.scaling.type");
        if (scalingType != null && !scalingType.asString().equals("none")) {
            ObjectNode s = c.putObject("rope_scaling");
            s.put("rope_type", scalingType.asString());
            s.put("type", scalingType.asString());
            if (g.metadata().containsKey(a + "rope.scaling.factor")) s.put("factor", g.get(a + "rope.scaling.factor").asDouble());
            if (g.metadata().containsKey(a + "rope.scaling.original_context_length")) {
                s.put("original_max_position_embeddings", g.get(a + "rope.scaling.original_context_length").asInt());
            }
            ObjectNode params = s.deepCopy();
            params.remove("type");
            rope.setAll(params);
        }
        c.put("vocab_size", vocabSize);
        c.put("tie_word_embeddings", tiedEmbeddings);
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        for (String[] k : new String[][]{{"bos_token_id", "bos_token_id"}, {"eos_token_id", "eos_token_id"},
                {"pad_token_id", "padding_token_id"}}) {
            GgufValue v = g.metadata().get("tokenizer.ggml." + k[1]);
            if (v != null) c.put(k[0], v.asInt());
        }
        c.put("torch_dtype", "float32");
        return c;
    }

    private static int positive(GgufFile g, String key) throws InvalidFileException {
        GgufValue v = g.get(key);
        long n;
        try {
            n = v.asLong();
        } catch (IllegalArgumentException e) {
            throw new InvalidFileException(g.path() + ": " + key + ": " + e.getMessage());
        }
        if (n <= 0 || n > Integer.MAX_VALUE) throw new InvalidFileException(g.path() + ": " + key + " is " + n + " (must be a positive int)");
        return (int) n;
    }
}
