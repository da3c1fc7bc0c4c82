package org.saifengine.backend.cpu;

import org.saifengine.backend.Weight;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * A weight as the CPU backend reads it: F32 or BF16 bytes (usually a view into the mapped file), or for matrices
 * Q8_0 / Q4_0 / Q4_1 blocks as GGUF stores them. Vectors (norm weights, biases) additionally keep an f32 array,
 * since every op touches all of them and they are tiny.
 */
final class CpuWeight implements Weight {
    private final String name;
    final DType dtype;
    final int rows, cols;
    final MemorySegment data;
    /** f32 values when rows == 1, else null. */
    final float[] vector;

    CpuWeight(String name, Tensor t) {
        if (t.rank() != 1 && t.rank() != 2) {
            throw new IllegalArgumentException("weight '" + name + "' has rank " + t.rank() + "; only 1 or 2 supported");
        }
        boolean blocks = t.dtype().isBlockQuantized();
        if (blocks && t.rank() != 2) {
            throw new IllegalArgumentException("weight '" + name + "' is a " + t.dtype() + " vector; the CPU backend reads block types only for matrices");
        }
        if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && !blocks) {
            throw new IllegalArgumentException("weight '" + name + "' is " + t.dtype() + "; the CPU backend reads F32, BF16, Q8_0, Q4_0 or Q4_1");
        }
        long r = t.rank() == 1 ? 1 : t.dim(0), c = t.rank() == 1 ? t.dim(0) : t.dim(1);
        if (r > Integer.MAX_VALUE || c > Integer.MAX_VALUE) throw new IllegalArgumentException("weight '" + name + "' too large");
        this.name = name;
        this.dtype = t.dtype();
        this.rows = (int) r;
        this.cols = (int) c;
        this.data = t.data();
        this.vector = rows == 1 ? t.toFloatArray() : null;
    }

    /** Bytes of one row as stored. */
    long rowBytes() {
        return dtype.byteSize(cols);
    }

    @Override
    public String name() { return name; }

    @Override
    public DType dtype() { return dtype; }

    @Override
    public int rows() { return rows; }

    @Override
    public int cols() { return cols; }
}
