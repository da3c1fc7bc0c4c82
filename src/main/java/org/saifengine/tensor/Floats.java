package org.saifengine.tensor;

/** Scalar conversions between f32 and the 16-bit float formats. */
public final class Floats {
    private Floats() {}

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Round-to-nearest-even, as torch does when casting to bfloat16; NaN stays NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /** Rounds an f32 value through bf16 and back. */
    public static float roundBf16(float f) {
        return bf16ToFloat(floatToBf16(f));
    }
}
