package org.saifengine.backend;

import org.saifengine.tensor.Tensor;

/**
 * The small set of ops the one forward pass ({@code org.saifengine.model.Model}) is written against. A backend
 * implements ops, never models. Activations live in {@link Buf}s the backend allocates; weights are
 * {@link Weight}s it prepares once at load time. All "rows" arguments count tokens: a buffer of rows x dim floats
 * holds one row per token of the current step (several sequences are simply several rows).
 *
 * <p>Implementations: {@code backend.cpu.CpuBackend} (Vector API + threads, with a scalar reference mode used
 * by tests) and, later, the CUDA backend. Ops are synchronous from the caller's point of view: after an op
 * returns, {@link #download} sees its result.
 */
public interface Backend extends AutoCloseable {
    String name();

    /** A zeroed buffer of n floats. */
    Buf allocate(long n);

    /** Whether {@link #allocate} buffers live on the Java heap (so they must fit in -Xmx), for memory budgets. */
    default boolean heapBuffers() {
        return false;
    }

    /**
     * Prepares a weight for the ops below. The tensor's memory must be readable from any thread (a shared or global
     * arena, as mapped files are). F32 and BF16 tensors are used in place (the CPU backend reads the
     * mapped file directly); F16 is converted once to F32. A rank-1 tensor becomes a 1 x n weight.
     */
    Weight weight(String name, Tensor t);

    /** dst[dstOff .. dstOff+n) = src[srcOff .. srcOff+n). */
    void upload(float[] src, int srcOff, Buf dst, long dstOff, int n);

    /** dst[dstOff .. dstOff+n) = src[srcOff .. srcOff+n). */
    void download(Buf src, long srcOff, float[] dst, int dstOff, int n);

    /** Index of the first NaN or infinity among the first n floats of b, or -1 when all are finite. */
    default long firstNonFinite(Buf b, long n) {
        float[] chunk = new float[(int) Math.min(n, 1 << 16)];
        for (long off = 0; off < n; off += chunk.length) {
            int len = (int) Math.min(chunk.length, n - off);
            download(b, off, chunk, 0, len);
            for (int i = 0; i < len; i++) if (!Float.isFinite(chunk[i])) return off + i;
        }
        return -1;
    }

    /** Copies n floats between (or within) buffers. */
    void copy(Buf src, long srcOff, Buf dst, long dstOff, int n);

    /** out[r, :] = table[ids[r], :] * scale, for r in [0, ids.length). */
    void embed(Weight table, int[] ids, float scale, Buf out);

    /**
     * RMSNorm over rows of length dim: out = x / sqrt(mean(x^2) + eps) * w, or * (1 + w) when onePlusWeight
     * (Gemma). out may be x.
     */
    void rmsNorm(Buf x, Weight w, float eps, boolean onePlusWeight, int rows, int dim, Buf out);

    /**
     * out[r, o] = sum_i x[r, i] * w[o, i] (+ bias[o]) for r < rows: a GEMV per token, w is [out, in]. bias may be
     * null. out must not be x.
     */
    void matmul(Buf x, int rows, Weight w, Weight bias, Buf out);

    /**
     * Rotary position embedding in place on rows x heads x headDim, each row at its own position. invFreq has
     * headDim/2 entries; angle = position * invFreq[i] (f32), cos and sin are multiplied by attnScaling.
     * HF layout (interleaved = false) rotates pairs (i, i + headDim/2); interleaved rotates (2i, 2i+1).
     */
    void rope(Buf x, int rows, int heads, int headDim, int[] positions, float[] invFreq, float attnScaling,
              boolean interleaved);

    /**
     * Causal attention of each query row over a KV cache. Row r (at position positions[r]) reads keys[r] and
     * values[r], caches of [capacity, kvHeads * headDim] whose rows 0..positions[r] are filled, and writes
     * out[r, heads * headDim]. Rows of one sequence share the same cache buffers.
     */
    void attention(Buf q, int rows, int[] positions, Buf[] keys, Buf[] values, AttentionParams p, Buf out);

    /** gate[i] = act(gate[i]) * up[i] for i < n. */
    void gatedActivation(Activation act, Buf gate, Buf up, int n);

    /** x[i] = cap * tanh(x[i] / cap) for i < n. */
    void softcap(Buf x, int n, float cap);

    /** x[i] += y[i] for i < n. */
    void add(Buf x, Buf y, int n);

    @Override
    default void close() {}
}
