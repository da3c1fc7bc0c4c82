package org.saifengine.io.gguf;

import java.util.List;

/**
 * One metadata value. Integers are held as Long (UINT64 values above 2^63-1 wrap; {@link #asLong()} rejects
 * them), floats as Double (exact for FLOAT32), BOOL as Boolean, STRING as String, ARRAY as a List of element
 * values (Long/Double/Boolean/String, or GgufValue for nested arrays) with {@code elementType} set.
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public long asLong() {
        if (!type.isInteger()) throw new IllegalArgumentException("expected an integer but found a " + type + " value");
        long v = (Long) value;
        if (type == GgufValueType.UINT64 && v < 0) throw new IllegalArgumentException("UINT64 value too large: " + Long.toUnsignedString(v));
        return v;
    }

    public int asInt() {
        long v = asLong();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new IllegalArgumentException("value " + v + " does not fit an int");
        return (int) v;
    }

    public double asDouble() {
        if (type == GgufValueType.FLOAT32 || type == GgufValueType.FLOAT64) return (Double) value;
        if (type.isInteger()) return asLong();
        throw new IllegalArgumentException("expected a number but found a " + type + " value");
    }

    public boolean asBoolean() {
        if (type != GgufValueType.BOOL) throw new IllegalArgumentException("expected a BOOL but found a " + type + " value");
        return (Boolean) value;
    }

    public String asString() {
        if (type != GgufValueType.STRING) throw new IllegalArgumentException("expected a STRING but found a " + type + " value");
        return (String) value;
    }

    public List<?> asList() {
        if (type != GgufValueType.ARRAY) throw new IllegalArgumentException("expected an ARRAY but found a " + type + " value");
        return (List<?>) value;
    }

    /** The elements of an array of strings. */
    @SuppressWarnings("unchecked")
    public List<String> asStringList() {
        if (type != GgufValueType.ARRAY || elementType != GgufValueType.STRING) {
            throw new IllegalArgumentException("expected an ARRAY of STRING but found " + describe());
        }
        return (List<String>) value;
    }

    /** The elements of an array of integers. */
    public long[] asLongArray() {
        if (type != GgufValueType.ARRAY || !elementType.isInteger()) {
            throw new IllegalArgumentException("expected an ARRAY of integers but found " + describe());
        }
        List<?> l = (List<?>) value;
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = (Long) l.get(i);
        return out;
    }

    /** The elements of an array of floats (or integers). */
    public double[] asDoubleArray() {
        if (type != GgufValueType.ARRAY || !(elementType.isInteger() || elementType == GgufValueType.FLOAT32
                || elementType == GgufValueType.FLOAT64)) {
            throw new IllegalArgumentException("expected an ARRAY of numbers but found " + describe());
        }
        List<?> l = (List<?>) value;
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).doubleValue();
        return out;
    }

    public String describe() {
        return type == GgufValueType.ARRAY ? "ARRAY of " + elementType : type.toString();
    }

    /** A short human-readable rendering (long arrays abbreviated). */
    public String preview() {
        if (type != GgufValueType.ARRAY) return type == GgufValueType.STRING ? '"' + (String) value + '"' : String.valueOf(value);
        List<?> l = (List<?>) value;
        if (l.size() <= 8) return l.stream().map(o -> o instanceof GgufValue g ? g.preview() : String.valueOf(o)).toList().toString();
        return "[" + l.size() + " " + elementType + " values]";
    }
}
