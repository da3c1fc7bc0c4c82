package org.saifengine.tensor;

import java.util.Arrays;

/** Element types the engine reads and writes. Quantized GGUF block types live in the gguf reader and are
 *  dequantized at load time into one of these. */
public enum DType {
    F64(8, "F64"), F32(4, "F32"), F16(2, "F16"), BF16(2, "BF16"),
    I64(8, "I64"), I32(4, "I32"), I16(2, "I16"), I8(1, "I8"), U8(1, "U8"), BOOL(1, "BOOL");

    public final int bytes;
    /** The name safetensors uses in its header. */
    public final String safetensorsName;

    DType(int bytes, String safetensorsName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
    }

    public boolean isFloat() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    public static DType fromSafetensors(String name) {
        for (DType d : values()) if (d.safetensorsName.equals(name)) return d;
        throw new IllegalArgumentException("unknown dtype '" + name + "' (supported: " + Arrays.toString(values()) + ")");
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
