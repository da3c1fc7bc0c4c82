package org.saifengine.io.gguf;

/** Types of GGUF metadata values, numbered as in the file. */
public enum GgufValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8), ARRAY(12),
    UINT64(8), INT64(8), FLOAT64(8);

    /** The fewest bytes one value of this type takes in the file (a string's length prefix, an array's header). */
    public final int minBytes;

    GgufValueType(int minBytes) {
        this.minBytes = minBytes;
    }

    public static GgufValueType of(long id) {
        if (id < 0 || id >= values().length) throw new IllegalArgumentException("unknown GGUF value type " + id);
        return values()[(int) id];
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }
}
