package org.saifengine.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.saifengine.backend.Activation;
import org.saifengine.io.Json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json parsing: family defaults, attention layer types, rope scaling. */
class ModelConfigTest {
    static ObjectNode base(String arch) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("architectures").add(arch);
        c.put("hidden_size", 64).put("intermediate_size", 128).put("num_hidden_layers", 4)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("vocab_size", 100);
        return c;
    }

    @Test
    void gemma2DefaultsFollowTransformers() {
        ObjectNode c = base("Gemma2ForCausalLM");
        c.put("sliding_window", 16);
        ModelConfig g = ModelConfig.fromJson(c);
        // HF: "sliding_attention" if (i + 1) % 2 else "full_attention" -> even layers slide.
        assertArrayEquals(new int[]{16, 0, 16, 0}, g.slidingWindows());
        assertEquals(256, g.headDim());
        assertEquals((float) Math.pow(256, -0.5), g.attentionScale());
        assertEquals(50f, g.attnLogitSoftcap());
        assertEquals(30f, g.finalLogitSoftcap());
        assertEquals(Activation.GELU_TANH, g.activation());
        assertTrue(g.tiedEmbeddings() && g.normPlusOne() && g.sandwichNorms() && g.embeddingScale());
        c.putNull("final_logit_softcapping");
        assertEquals(0f, ModelConfig.fromJson(c).finalLogitSoftcap(), "null disables the cap");
        c.putArray("layer_types").add("full_attention").add("full_attention").add("sliding_attention").add("full_attention");
        assertArrayEquals(new int[]{0, 0, 16, 0}, ModelConfig.fromJson(c).slidingWindows());
        c.putArray("layer_types").add("chunked_attention").add("full_attention").add("full_attention").add("full_attention");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(c)).getMessage().contains("chunked_attention"));
    }

    @Test
    void llamaAndQwen2Defaults() {
        ModelConfig l = ModelConfig.fromJson(base("LlamaForCausalLM"));
        assertFalse(l.tiedEmbeddings() || l.qkvBias() || l.normPlusOne() || l.embeddingScale());
        assertEquals(16, l.headDim());
        assertArrayEquals(new int[4], l.slidingWindows());
        ObjectNode q = base("Qwen2ForCausalLM");
        q.put("use_sliding_window", true).put("sliding_window", 32).put("max_window_layers", 2);
        ModelConfig qc = ModelConfig.fromJson(q);
        assertTrue(qc.qkvBias());
        assertFalse(qc.outputBias());
        assertArrayEquals(new int[]{0, 0, 32, 32}, qc.slidingWindows());
        ObjectNode eos = base("LlamaForCausalLM");
        eos.putArray("eos_token_id").add(2).add(7);
        assertArrayEquals(new int[]{2, 7}, ModelConfig.fromJson(eos).eosIds());
    }

    @Test
    void llama3RopeScalingMatchesTransformers() {
        RopeConfig r = new RopeConfig(500000.0, "llama3", 32.0, 1.0, 4.0, 8192);
        // transformers 5.24 _compute_llama3_parameters for head_dim 64 (Llama 3.2 settings).
        double[] hf = {1.0, 0.663601279258728, 0.44036662578582764, 0.2922278344631195, 0.193922758102417,
                0.12868738174438477, 0.08539710193872452, 0.05666961893439293, 0.03760603070259094, 0.02495540864765644,
                0.016560440883040428, 0.010989529080688953, 0.00729266507551074, 0.00483942124992609,
                0.0032114461064338684, 0.0012905480107292533, 0.000429556705057621, 9.708286233944818e-05,
                1.9461638657958247e-05, 1.291476746700937e-05, 8.570255886297673e-06, 5.687232260243036e-06,
                3.7740544485131977e-06, 2.504467147446121e-06, 1.6619674170215148e-06, 1.1028836297555245e-06,
                7.318749339901842e-07, 4.856731266045244e-07, 3.2229328894572973e-07, 2.1387423032592778e-07,
                1.4192720243499934e-07, 9.418306490260875e-08};
        float[] ours = r.inverseFrequencies(64);
        for (int i = 0; i < hf.length; i++) assertEquals(hf[i], ours[i], hf[i] * 2e-6, "inv_freq " + i);
        // Both config spellings: transformers 5 rope_parameters and the older rope_theta + rope_scaling.
        ObjectNode c = base("LlamaForCausalLM");
        c.put("rope_theta", 500000.0).putObject("rope_scaling").put("rope_type", "llama3").put("factor", 32.0)
                .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8192);
        assertEquals(r, ModelConfig.fromJson(c).rope());
        ObjectNode missing = base("LlamaForCausalLM");
        missing.putObject("rope_parameters").put("rope_type", "llama3").put("rope_theta", 1e4).put("factor", 8.0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(missing)).getMessage()
                .contains("low_freq_factor"));
    }

    @Test
    void badConfigsNameTheProblem() {
        ObjectNode c = base("LlamaForCausalLM");
        c.remove("hidden_size");
        assertEquals("config.json lacks 'hidden_size'", assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(c)).getMessage());
        ObjectNode gqa = base("LlamaForCausalLM");
        gqa.put("num_key_value_heads", 3);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(gqa)).getMessage().contains("multiple"));
        ObjectNode none = Json.MAPPER.createObjectNode();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(none)).getMessage().contains("supported"));
    }
}
