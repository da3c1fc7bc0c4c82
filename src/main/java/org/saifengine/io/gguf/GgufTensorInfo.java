package org.saifengine.io.gguf;

import java.util.Arrays;

/**
 * One tensor as the GGUF header describes it.
 *
 * @param name   tensor name (llama.cpp naming, e.g. blk.0.attn_q.weight)
 * @param dims   ggml dimensions, innermost (contiguous) first, as stored in the file
 * @param type   element type
 * @param offset byte offset of the data, relative to the start of the data section
 * @param bytes  size of the data in bytes
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset, long bytes) {
    public GgufTensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Row-major shape, outermost first (the reverse of the ggml dims), as numpy / safetensors use it. */
    public long[] shape() {
        long[] s = new long[dims.length];
        for (int i = 0; i < dims.length; i++) s[i] = dims[dims.length - 1 - i];
        return s;
    }

    public long numel() {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape());
    }
}
