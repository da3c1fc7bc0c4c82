package org.saifengine.tensor;

import java.util.Arrays;

/** Element types the engine reads and writes. Most GGUF block types are dequantized at load time into one of the
 *  float types; Q8_0, Q4_0 and Q4_1 can also be kept as stored (the CPU backend multiplies on their blocks). */
public enum DType {
    F64(8, "F64"), F32(4, "F32"), F16(2, "F16"), BF16(2, "BF16"),
    I64(8, "I64"), I32(4, "I32"), I16(2, "I16"), I8(1, "I8"), U8(1, "U8"), BOOL(1, "BOOL"),
    /** ggml blocks of 32: f16 scale d, 32 int8 q; x = q * d. */
    Q8_0(34, null, 32),
    /** ggml blocks of 32: f16 scale d, 16 bytes of nibbles (low: elements 0-15, high: 16-31); x = (q - 8) * d. */
    Q4_0(18, null, 32),
    /** ggml blocks of 32: f16 scale d, f16 min m, nibbles as Q4_0; x = q * d + m. */
    Q4_1(20, null, 32);

    /** Bytes per element, or per block of {@link #blockSize} elements for block types. */
    public final int bytes;
    /** The name safetensors uses in its header (null for block types, which safetensors has not). */
    public final String safetensorsName;
    /** Elements per block: 1 for plain types. */
    public final int blockSize;

    DType(int bytes, String safetensorsName) {
        this(bytes, safetensorsName, 1);
    }

    DType(int bytes, String safetensorsName, int blockSize) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
        this.blockSize = blockSize;
    }

    public boolean isFloat() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** A ggml block format (Q8_0, Q4_0, Q4_1): elements are read block by block, never one by one. */
    public boolean isBlockQuantized() {
        return blockSize > 1;
    }

    /** Bytes of n elements; for block types n must be a whole number of blocks. */
    public long byteSize(long n) {
        if (n % blockSize != 0) {
            throw new IllegalArgumentException(n + " elements are not a whole number of " + this + " blocks of " + blockSize);
        }
        return Math.multiplyExact(n / blockSize, (long) bytes);
    }

    public static DType fromSafetensors(String name) {
        for (DType d : values()) if (name.equals(d.safetensorsName)) return d;
        throw new IllegalArgumentException("unknown dtype '" + name + "' (supported: "
                + Arrays.stream(values()).filter(d -> d.safetensorsName != null).toList() + ")");
    }

    public static DType parse(String name) {
        return switch (name.toLowerCase()) {
            case "f32", "float32", "float" -> F32;
            case "f16", "float16", "half" -> F16;
            case "bf16", "bfloat16" -> BF16;
            case "f64", "float64", "double" -> F64;
            default -> throw new IllegalArgumentException("unknown dtype '" + name + "' (use f32, bf16 or f16)");
        };
    }
}
