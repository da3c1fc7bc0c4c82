package org.saifengine.model;

import org.saifengine.backend.Weight;

/**
 * One decoder block's weights (d = hidden size, q = heads x head_dim, kv = kv heads x head_dim, ff = MLP size).
 * Biases and Gemma-2's extra norms are null when the config has none.
 */
public record LayerWeights(
        Weight inputNorm,      // [d]
        Weight wq,             // [q, d]
        Weight wk,             // [kv, d]
        Weight wv,             // [kv, d]
        Weight wo,             // [d, q]
        Weight bq,             // [q] or null
        Weight bk,             // [kv] or null
        Weight bv,             // [kv] or null
        Weight bo,             // [d] or null
        Weight postAttnNorm,   // [d] Gemma-2: applied to the attention output; else null
        Weight preMlpNorm,     // [d] (HF post_attention_layernorm in Llama/Qwen2, pre_feedforward_layernorm in Gemma-2)
        Weight postMlpNorm,    // [d] Gemma-2 only, else null
        Weight gate,           // [ff, d]
        Weight up,             // [ff, d]
        Weight down,           // [d, ff]
        Weight bGate,          // [ff] or null
        Weight bUp,            // [ff] or null
        Weight bDown           // [d] or null
) {}
