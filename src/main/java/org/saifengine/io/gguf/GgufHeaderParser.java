package org.saifengine.io.gguf;

import org.saifengine.io.InvalidFileException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates a GGUF header from a mapped file. Every read is checked against the file size first, and every
 * count read from the file is bounded by the bytes that remain (each element takes at least its minimum encoded
 * size), so a corrupt header is reported, never turned into a huge allocation, a deep recursion or an out-of-file
 * read.
 */
final class GgufHeaderParser {
    static final int MAGIC = 0x46554747; // "GGUF" little-endian
    static final int MAX_DIMS = 4;        // GGML_MAX_DIMS
    static final int MAX_NESTING = 8;     // arrays of arrays of ...
    static final int MAX_NAME_BYTES = 4096;
    static final long MAX_DIM = 1L << 40;
    static final long MAX_ALIGNMENT = 1L << 20;
    static final long MAX_STRING_BYTES = 1L << 28;

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Header(int version, Map<String, GgufValue> metadata, List<GgufTensorInfo> tensors, long alignment,
                  long dataStart) {}

    private final java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final MemorySegment seg;
    private final long size;
    private long pos;

    GgufHeaderParser(MemorySegment seg) {
        this.seg = seg;
        this.size = seg.byteSize();
    }

    Header parse() throws InvalidFileException {
        if (size < 4) throw bad("truncated header: file is " + size + " bytes, too short for the GGUF magic");
        int magic = seg.get(I32, 0);
        if (magic != MAGIC) {
            byte[] m = new byte[4];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, m, 0, 4);
            throw bad("bad magic " + printable(m) + ": not a GGUF file (expected \"GGUF\")");
        }
        pos = 4;
        int version = u32("version");
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            if (swapped == 2 || swapped == 3) throw bad("big-endian GGUF (version " + swapped + ") is not supported");
            throw bad("unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2 and 3)");
        }
        long rawTensorCount = u64("tensor count");
        long rawKvCount = u64("metadata count");
        long tensorCount = count(rawTensorCount, 8 + 4 + 8 + 4 + 8, "tensor count");
        long kvCount = count(rawKvCount, 8 + 4 + 1, "metadata key/value count");

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = pos;
            String key = string("metadata key " + i);
            if (key.isEmpty()) throw bad("metadata key " + i + " at offset " + at + " is empty");
            GgufValueType type = valueType("metadata '" + key + "'");
            GgufValue v = value(type, key, 0);
            if (metadata.put(key, v) != null) throw bad("duplicate metadata key '" + key + "'");
        }

        long alignment = GgufFile.DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get(GgufFile.ALIGNMENT_KEY);
        if (a != null) {
            if (a.type() != GgufValueType.UINT32) throw bad(GgufFile.ALIGNMENT_KEY + " must be UINT32 but is " + a.describe());
            alignment = a.asLong();
            if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > MAX_ALIGNMENT) {
                throw bad(GgufFile.ALIGNMENT_KEY + " is " + alignment + "; it must be a power of two up to " + MAX_ALIGNMENT);
            }
        }

        List<GgufTensorInfo> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<long[]> extents = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = string("tensor " + i + " name");
            if (name.isEmpty()) throw bad("tensor " + i + " has an empty name");
            if (name.length() > MAX_NAME_BYTES) throw bad("tensor " + i + " name is " + name.length() + " characters long");
            if (!names.add(name)) throw bad("duplicate tensor name '" + name + "'");
            int nDims = u32("tensor '" + name + "' dimension count");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw bad("tensor '" + name + "' has " + Integer.toUnsignedString(nDims) + " dimensions (allowed: 1 to " + MAX_DIMS + ")");
            }
            long[] dims = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                long v = u64("tensor '" + name + "' dimension " + d);
                if (v < 0 || v > MAX_DIM) {
                    throw bad("tensor '" + name + "' dimension " + d + " is " + Long.toUnsignedString(v) + " (absurd; limit " + MAX_DIM + ")");
                }
                dims[d] = v;
            }
            int typeId = u32("tensor '" + name + "' type");
            GgmlType type;
            try {
                type = GgmlType.of(Integer.toUnsignedLong(typeId));
            } catch (IllegalArgumentException e) {
                throw bad("tensor '" + name + "': " + e.getMessage());
            }
            long offset = u64("tensor '" + name + "' offset");
            long bytes;
            try {
                long numel = 1;
                for (long d : dims) numel = Math.multiplyExact(numel, d);
                long rows = dims[0] == 0 ? 0 : numel / dims[0];
                bytes = Math.multiplyExact(type.rowBytes(dims[0]), rows);
            } catch (ArithmeticException e) {
                throw bad("tensor '" + name + "' dimensions " + Arrays.toString(dims) + " overflow (absurd)");
            } catch (IllegalArgumentException e) {
                throw bad("tensor '" + name + "': " + e.getMessage());
            }
            if (offset < 0) throw bad("tensor '" + name + "' offset " + Long.toUnsignedString(offset) + " is beyond the end of the file");
            if (offset % alignment != 0) {
                throw bad("tensor '" + name + "' offset " + offset + " is not a multiple of the alignment " + alignment);
            }
            tensors.add(new GgufTensorInfo(name, dims, type, offset, bytes));
            extents.add(new long[]{offset, bytes, i});
        }

        long headerEnd = pos;
        long dataStart = (headerEnd + alignment - 1) / alignment * alignment;
        long dataSize = Math.max(0, size - dataStart);
        for (GgufTensorInfo t : tensors) {
            if (t.bytes() > dataSize || t.offset() > dataSize - t.bytes()) {
                throw bad("tensor '" + t.name() + "' data (" + t.bytes() + " bytes at data offset " + t.offset()
                        + ") lies beyond the end of the file (data section is " + dataSize + " bytes)");
            }
        }
        extents.sort(Comparator.comparingLong(e -> e[0]));
        for (int i = 1; i < extents.size(); i++) {
            long[] prev = extents.get(i - 1), cur = extents.get(i);
            if (prev[0] + prev[1] > cur[0]) {
                throw bad("tensors '" + tensors.get((int) prev[2]).name() + "' and '" + tensors.get((int) cur[2]).name()
                        + "' overlap in the data section");
            }
        }
        return new Header(version, metadata, tensors, alignment, dataStart);
    }

    private GgufValue value(GgufValueType type, String key, int depth) throws InvalidFileException {
        String what = "metadata '" + key + "'";
        return switch (type) {
            case UINT8 -> new GgufValue(type, null, (long) (u8(what) & 0xFF));
            case INT8 -> new GgufValue(type, null, (long) u8(what));
            case UINT16 -> new GgufValue(type, null, (long) (u16(what) & 0xFFFF));
            case INT16 -> new GgufValue(type, null, (long) u16(what));
            case UINT32 -> new GgufValue(type, null, Integer.toUnsignedLong(u32(what)));
            case INT32 -> new GgufValue(type, null, (long) u32(what));
            case UINT64, INT64 -> new GgufValue(type, null, u64(what));
            case FLOAT32 -> new GgufValue(type, null, (double) f32(what));
            case FLOAT64 -> new GgufValue(type, null, f64(what));
            case BOOL -> new GgufValue(type, null, bool(what));
            case STRING -> new GgufValue(type, null, string(what));
            case ARRAY -> array(key, depth);
        };
    }

    private GgufValue array(String key, int depth) throws InvalidFileException {
        String what = "metadata '" + key + "'";
        if (depth >= MAX_NESTING) throw bad(what + " nests arrays more than " + MAX_NESTING + " deep");
        GgufValueType elem = valueType(what + " array element");
        long n = count(u64(what + " array length"), elem.minBytes, what + " array length");
        List<Object> values = new ArrayList<>((int) Math.min(n, 1 << 16));
        for (long i = 0; i < n; i++) {
            GgufValue v = value(elem, key, depth + 1);
            values.add(elem == GgufValueType.ARRAY ? v : v.value());
        }
        return new GgufValue(GgufValueType.ARRAY, elem, List.copyOf(values));
    }

    private GgufValueType valueType(String what) throws InvalidFileException {
        int id = u32(what + " type");
        try {
            return GgufValueType.of(Integer.toUnsignedLong(id));
        } catch (IllegalArgumentException e) {
            throw bad(what + ": unknown value type " + Integer.toUnsignedString(id));
        }
    }

    /** A count read from the file, rejected when the remaining bytes cannot hold that many elements. */
    private long count(long n, int minElementBytes, String what) throws InvalidFileException {
        long remaining = size - pos;
        if (n >= 0 && n <= remaining / minElementBytes) return n;
        if (n >= 0 && n <= (1 << 24)) {
            throw bad("truncated header: " + what + " " + n + " needs at least " + n * minElementBytes
                    + " bytes after offset " + pos + " but the file is " + size + " bytes");
        }
        throw bad(what + " " + Long.toUnsignedString(n) + " is absurd: the " + remaining
                + " bytes left in the file cannot hold that many");
    }

    private void need(long n, String what) throws InvalidFileException {
        if (n > size - pos) {
            throw bad("truncated header: " + what + " needs " + n + " bytes at offset " + pos + " but the file is " + size + " bytes");
        }
    }

    private byte u8(String what) throws InvalidFileException {
        need(1, what);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short u16(String what) throws InvalidFileException {
        need(2, what);
        short v = seg.get(I16, pos);
        pos += 2;
        return v;
    }

    private int u32(String what) throws InvalidFileException {
        need(4, what);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    private long u64(String what) throws InvalidFileException {
        need(8, what);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    private float f32(String what) throws InvalidFileException {
        need(4, what);
        float v = seg.get(F32, pos);
        pos += 4;
        return v;
    }

    private double f64(String what) throws InvalidFileException {
        need(8, what);
        double v = seg.get(F64, pos);
        pos += 8;
        return v;
    }

    private boolean bool(String what) throws InvalidFileException {
        byte b = u8(what);
        if (b != 0 && b != 1) throw bad(what + " is a BOOL with byte value " + (b & 0xFF) + " (must be 0 or 1)");
        return b == 1;
    }

    private String string(String what) throws InvalidFileException {
        long len = u64(what + " length");
        if (len < 0 || len > MAX_STRING_BYTES) {
            throw bad(what + " length " + Long.toUnsignedString(len) + " at offset " + (pos - 8) + " is absurd (limit " + MAX_STRING_BYTES + ")");
        }
        if (len > size - pos) {
            throw bad("truncated header: " + what + " claims " + Long.toUnsignedString(len) + " bytes at offset " + pos
                    + " but the file is " + size + " bytes");
        }
        byte[] b = new byte[(int) len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
        long at = pos;
        pos += len;
        boolean ascii = true;
        for (byte x : b) if (x < 0) { ascii = false; break; }
        if (ascii) return new String(b, StandardCharsets.ISO_8859_1);
        try {
            return utf8.decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw bad(what + " at offset " + at + " is not valid UTF-8");
        }
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte x : b) {
            if (x >= 0x20 && x < 0x7F) sb.append((char) x);
            else sb.append(String.format("\\x%02x", x & 0xFF));
        }
        return sb.append('"').toString();
    }

    private static InvalidFileException bad(String message) {
        return new InvalidFileException(message);
    }
}
