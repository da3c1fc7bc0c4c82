package org.saifengine.backend;

/**
 * Shape and options of one attention layer.
 *
 * @param heads         query heads
 * @param kvHeads       key/value heads (grouped-query attention: heads % kvHeads == 0)
 * @param headDim       size of one head
 * @param scale         multiplies q.k (HF: head_dim^-0.5, Gemma-2: query_pre_attn_scalar^-0.5)
 * @param slidingWindow 0 for full causal attention; otherwise a query at position p sees keys at positions
 *                      p - window < j <= p (HF's sliding-window mask)
 * @param softcap       0 for none; otherwise scores become softcap * tanh(scores / softcap) (after scaling)
 */
public record AttentionParams(int heads, int kvHeads, int headDim, float scale, int slidingWindow, float softcap) {
    public AttentionParams {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || headDim <= 0) {
            throw new IllegalArgumentException("bad attention shape: heads " + heads + ", kv heads " + kvHeads
                    + ", head dim " + headDim);
        }
    }

    public int qDim() { return heads * headDim; }

    public int kvDim() { return kvHeads * headDim; }
}
