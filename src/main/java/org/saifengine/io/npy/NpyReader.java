package org.saifengine.io.npy;

import org.saifengine.io.InvalidFileException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the NumPy .npy format (versions 1.0, 2.0 and 3.0): the magic, a header that is a Python dict literal
 * ({'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }), then the raw C-order data. Data are streamed into
 * an f32 array, so no second copy of a large array is ever held.
 */
public final class NpyReader {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 20;
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    // No quotes inside the parentheses: a header of repeated "'shape':(" then scans in linear, not quadratic, time.
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)'\"]*)\\)");

    private NpyReader() {}

    public static NpyArray read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), Files.size(file));
        }
    }

    /** Reads one array from the stream; {@code what} names the source in error messages. */
    public static NpyArray read(InputStream in, String what) throws IOException {
        return read(in, what, -1);
    }

    /**
     * Reads one array from a stream of {@code sizeBytes} bytes in all (-1: unknown). With the size known, a header
     * that claims more data than there is fails before anything is allocated; without it, memory grows with the data
     * actually read, so a lying header cannot make us allocate gigabytes either.
     */
    public static NpyArray read(InputStream in, String what, long sizeBytes) throws IOException {
        byte[] magic = readN(in, 8, what);
        for (int i = 0; i < MAGIC.length; i++) {
            if (magic[i] != MAGIC[i]) throw bad(what, "not a .npy file (bad magic)");
        }
        int major = magic[6] & 0xFF;
        long headerLen;
        if (major == 1) {
            headerLen = ByteBuffer.wrap(readN(in, 2, what)).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        } else if (major == 2 || major == 3) {
            headerLen = ByteBuffer.wrap(readN(in, 4, what)).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        } else {
            throw bad(what, "unsupported .npy format version " + major + "." + (magic[7] & 0xFF));
        }
        if (headerLen > MAX_HEADER) throw bad(what, "header of " + headerLen + " bytes is too large");
        byte[] hb = readN(in, (int) headerLen, what);
        String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            String h = header.strip();
            throw bad(what, "header lacks descr, fortran_order or shape: " + (h.length() <= 200 ? h : h.substring(0, 200) + "... (" + h.length() + " characters)"));
        }
        String descr = d.group(1);
        if (f.group(1).equals("True")) {
            throw bad(what, "array is stored in Fortran (column-major) order; only C order is supported (save it with np.ascontiguousarray)");
        }
        long[] shape = parseShape(s.group(1), what);
        long n;
        try {
            n = org.saifengine.tensor.Tensor.numel(shape);
        } catch (ArithmeticException e) {
            throw bad(what, "shape overflows");
        }
        if (n > Integer.MAX_VALUE - 8) throw bad(what, "array of " + n + " elements is too large (limit 2^31)");
        Kind kind = Kind.of(descr, what);
        if (sizeBytes >= 0) {
            long have = sizeBytes - (major == 1 ? 10 : 12) - headerLen;
            if (have < n * kind.bytes) {
                throw bad(what, "data truncated: shape " + java.util.Arrays.toString(shape) + " needs " + n * kind.bytes
                        + " bytes of data but the file has " + Math.max(0, have));
            }
        }
        float[] out = readData(in, kind, (int) n, sizeBytes >= 0, what);
        return new NpyArray(descr, shape, out);
    }

    private static long[] parseShape(String inner, String what) throws IOException {
        List<Long> dims = new ArrayList<>();
        for (String part : inner.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            if (p.endsWith("L")) p = p.substring(0, p.length() - 1);
            try {
                long v = Long.parseLong(p);
                if (v < 0) throw bad(what, "negative dimension " + v);
                dims.add(v);
            } catch (NumberFormatException e) {
                throw bad(what, "bad dimension '" + part.strip() + "' in shape");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** Element types supported, with their byte size and order. */
    private record Kind(char type, int bytes, ByteOrder order) {
        static Kind of(String descr, String what) throws IOException {
            if (descr.length() < 3) throw bad(what, "unsupported dtype '" + descr + "'");
            char endian = descr.charAt(0);
            ByteOrder order = switch (endian) {
                case '<', '|', '=' -> ByteOrder.LITTLE_ENDIAN;
                case '>' -> ByteOrder.BIG_ENDIAN;
                default -> throw bad(what, "unsupported dtype '" + descr + "'");
            };
            char type = descr.charAt(1);
            int bytes;
            try {
                bytes = Integer.parseInt(descr.substring(2));
            } catch (NumberFormatException e) {
                throw bad(what, "unsupported dtype '" + descr + "'");
            }
            boolean ok = switch (type) {
                case 'f' -> bytes == 2 || bytes == 4 || bytes == 8;
                case 'i', 'u' -> bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
                case 'b' -> bytes == 1;
                default -> false;
            };
            if (!ok) throw bad(what, "unsupported dtype '" + descr + "' (supported: f2 f4 f8 i1-i8 u1-u8 b1)");
            return new Kind(type, bytes, order);
        }

        float get(ByteBuffer b) {
            return switch (type) {
                case 'f' -> switch (bytes) {
                    case 2 -> Float.float16ToFloat(b.getShort());
                    case 4 -> b.getFloat();
                    default -> (float) b.getDouble();
                };
                case 'i' -> switch (bytes) {
                    case 1 -> b.get();
                    case 2 -> b.getShort();
                    case 4 -> b.getInt();
                    default -> b.getLong();
                };
                case 'u' -> switch (bytes) {
                    case 1 -> b.get() & 0xFF;
                    case 2 -> b.getShort() & 0xFFFF;
                    case 4 -> b.getInt() & 0xFFFFFFFFL;
                    default -> unsignedLong(b.getLong());
                };
                default -> b.get() != 0 ? 1f : 0f;
            };
        }

        private static float unsignedLong(long v) {
            return v >= 0 ? v : (float) ((v >>> 1) * 2.0);
        }
    }

    /** Reads {@code total} elements; {@code sizeChecked}: the caller knows they are there, so allocate all at once. */
    private static float[] readData(InputStream in, Kind kind, int total, boolean sizeChecked, String what) throws IOException {
        int perChunk = Math.max(1, (1 << 20) / kind.bytes);
        byte[] chunk = new byte[perChunk * kind.bytes];
        ByteBuffer buf = ByteBuffer.wrap(chunk).order(kind.order);
        float[] out = new float[sizeChecked ? total : Math.min(total, 1 << 20)];
        int done = 0;
        while (done < total) {
            if (done == out.length) out = java.util.Arrays.copyOf(out, (int) Math.min(total, 2L * out.length));
            int n = Math.min(perChunk, out.length - done);
            readFully(in, chunk, n * kind.bytes, what, done, total);
            buf.position(0);
            if (kind.type == 'f' && kind.bytes == 4) {
                buf.asFloatBuffer().get(out, done, n);
            } else {
                for (int i = 0; i < n; i++) out[done + i] = kind.get(buf);
            }
            done += n;
        }
        return out;
    }

    private static void readFully(InputStream in, byte[] b, int len, String what, int done, int total) throws IOException {
        int off = 0;
        while (off < len) {
            int r = in.read(b, off, len - off);
            if (r < 0) throw bad(what, "data truncated: expected " + total + " elements, file ends after about " + done);
            off += r;
        }
    }

    private static byte[] readN(InputStream in, int n, String what) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) throw bad(what, "file is truncated in its header");
            off += r;
        }
        return b;
    }

    static InvalidFileException bad(String what, String why) {
        return new InvalidFileException("invalid .npy data in " + what + ": " + why);
    }
}
