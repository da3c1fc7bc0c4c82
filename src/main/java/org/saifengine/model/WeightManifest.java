package org.saifengine.model;

import java.util.ArrayList;
import java.util.List;

/** The tensors a config needs, with the shapes it implies (HF names; nn.Linear weights are [out, in]). */
public final class WeightManifest {
    private WeightManifest() {}

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    public static String layer(int l, String suffix) {
        return "model.layers." + l + "." + suffix;
    }

    public static List<TensorSpec> of(ModelConfig c) {
        List<TensorSpec> out = new ArrayList<>();
        long d = c.hiddenSize(), v = c.vocabSize(), q = c.qDim(), kv = c.kvDim(), ff = c.intermediateSize();
        out.add(req(EMBED, v, d));
        for (int l = 0; l < c.layers(); l++) {
            out.add(req(layer(l, "input_layernorm.weight"), d));
            out.add(req(layer(l, "self_attn.q_proj.weight"), q, d));
            out.add(req(layer(l, "self_attn.k_proj.weight"), kv, d));
            out.add(req(layer(l, "self_attn.v_proj.weight"), kv, d));
            out.add(req(layer(l, "self_attn.o_proj.weight"), d, q));
            if (c.qkvBias()) {
                out.add(req(layer(l, "self_attn.q_proj.bias"), q));
                out.add(req(layer(l, "self_attn.k_proj.bias"), kv));
                out.add(req(layer(l, "self_attn.v_proj.bias"), kv));
            }
            if (c.outputBias()) out.add(req(layer(l, "self_attn.o_proj.bias"), d));
            out.add(req(layer(l, "post_attention_layernorm.weight"), d));
            if (c.sandwichNorms()) {
                out.add(req(layer(l, "pre_feedforward_layernorm.weight"), d));
                out.add(req(layer(l, "post_feedforward_layernorm.weight"), d));
            }
            out.add(req(layer(l, "mlp.gate_proj.weight"), ff, d));
            out.add(req(layer(l, "mlp.up_proj.weight"), ff, d));
            out.add(req(layer(l, "mlp.down_proj.weight"), d, ff));
            if (c.mlpBias()) {
                out.add(req(layer(l, "mlp.gate_proj.bias"), ff));
                out.add(req(layer(l, "mlp.up_proj.bias"), ff));
                out.add(req(layer(l, "mlp.down_proj.bias"), d));
            }
        }
        out.add(req(FINAL_NORM, d));
        out.add(new TensorSpec(LM_HEAD, new long[]{v, d}, c.tiedEmbeddings() ? TensorSpec.Need.TIED : TensorSpec.Need.REQUIRED));
        return out;
    }

    private static TensorSpec req(String name, long... shape) {
        return new TensorSpec(name, shape, TensorSpec.Need.REQUIRED);
    }
}
