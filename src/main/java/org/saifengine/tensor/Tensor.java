package org.saifengine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A typed, shaped, row-major view of memory. Weights are views into a mapped file (no copy); activations are
 * views into arena-owned memory. All element access is bounds-checked by the segment itself.
 *
 * @param dtype element type
 * @param shape dimensions, outermost first
 * @param data  exactly dtype.byteSize(numel) bytes, little-endian (block types: whole blocks of the last dimension
 *              as ggml stores them)
 */
public record Tensor(DType dtype, long[] shape, MemorySegment data) {
    public static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Tensor {
        shape = shape.clone();
        if (dtype.isBlockQuantized() && (shape.length == 0 || shape[shape.length - 1] % dtype.blockSize != 0)) {
            throw new IllegalArgumentException(dtype + " tensor of shape " + Arrays.toString(shape)
                    + " needs rows of whole blocks of " + dtype.blockSize);
        }
        long bytes = dtype.byteSize(numel(shape));
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " and dtype " + dtype
                    + " needs " + bytes + " bytes but has " + data.byteSize());
        }
    }

    /** Elements in the shape; ArithmeticException if they overflow a long. Any zero dimension makes it 0. */
    public static long numel(long[] shape) {
        boolean empty = false;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            empty |= d == 0;
        }
        if (empty) return 0; // before multiplying: [2^40, 2^40, 0] is empty, not an overflow
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** A new zeroed tensor owned by the arena. */
    public static Tensor allocate(Arena arena, DType dtype, long... shape) {
        return new Tensor(dtype, shape, arena.allocate(dtype.byteSize(numel(shape)), 64));
    }

    /** A new f32 tensor owned by the arena holding a copy of values. */
    public static Tensor ofFloats(Arena arena, float[] values, long... shape) {
        if (numel(shape) != values.length) {
            throw new IllegalArgumentException(values.length + " values do not fill shape " + Arrays.toString(shape));
        }
        Tensor t = allocate(arena, DType.F32, shape);
        MemorySegment.copy(values, 0, t.data, F32_LE, 0, values.length);
        return t;
    }

    public long numel() { return numel(shape); }

    public int rank() { return shape.length; }

    public long dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    public long[] shape() { return shape.clone(); }

    public long byteSize() { return data.byteSize(); }

    /** Element i (flat index) as f32, whatever the float dtype. */
    public float getFloat(long i) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32_LE, i);
            case BF16 -> Floats.bf16ToFloat(data.getAtIndex(I16_LE, i));
            case F16 -> Floats.f16ToFloat(data.getAtIndex(I16_LE, i));
            case F64 -> (float) data.getAtIndex(F64_LE, i);
            default -> throw new UnsupportedOperationException("getFloat on a " + dtype + " tensor");
        };
    }

    public void setFloat(long i, float v) {
        switch (dtype) {
            case F32 -> data.setAtIndex(F32_LE, i, v);
            case BF16 -> data.setAtIndex(I16_LE, i, Floats.floatToBf16(v));
            case F16 -> data.setAtIndex(I16_LE, i, Floats.floatToF16(v));
            case F64 -> data.setAtIndex(F64_LE, i, v);
            default -> throw new UnsupportedOperationException("setFloat on a " + dtype + " tensor");
        }
    }

    /** All elements as a new f32 array (only for tensors below 2^31 elements). */
    public float[] toFloatArray() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor too large for a Java array: " + n);
        float[] out = new float[(int) n];
        if (dtype == DType.F32) {
            MemorySegment.copy(data, F32_LE, 0, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) out[i] = getFloat(i);
        }
        return out;
    }

    /** Row r of a rank>=2 tensor as a view (drops the first dimension). */
    public Tensor row(long r) {
        if (shape.length < 1 || r < 0 || r >= shape[0]) {
            throw new IndexOutOfBoundsException("row " + r + " of shape " + Arrays.toString(shape));
        }
        long[] sub = Arrays.copyOfRange(shape, 1, shape.length);
        long bytes = dtype.byteSize(numel(sub));
        return new Tensor(dtype, sub, data.asSlice(r * bytes, bytes));
    }

    /** Same bytes, new shape with equal element count. */
    public Tensor reshape(long... newShape) {
        if (numel(newShape) != numel()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new Tensor(dtype, newShape, data);
    }

    /** A converted copy in the arena (f32 / bf16 / f16). */
    public Tensor to(DType target, Arena arena) {
        if (dtype.isBlockQuantized() && target != dtype) {
            throw new UnsupportedOperationException("cannot convert a " + dtype + " tensor to " + target
                    + " here; load the GGUF with that dtype instead");
        }
        Tensor out = allocate(arena, target, shape);
        if (target == dtype) {
            MemorySegment.copy(data, 0, out.data, 0, data.byteSize());
            return out;
        }
        long n = numel();
        for (long i = 0; i < n; i++) out.setFloat(i, getFloat(i));
        return out;
    }

    /** Throws unless this tensor has exactly the expected shape. */
    public Tensor requireShape(String name, long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " but " + Arrays.toString(expected) + " was expected");
        }
        return this;
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
