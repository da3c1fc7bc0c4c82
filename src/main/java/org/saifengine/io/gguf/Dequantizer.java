package org.saifengine.io.gguf;

import org.saifengine.tensor.Floats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;

/**
 * Converts ggml tensor data to f32, block by block. Each formula follows gguf-py's {@code gguf.quants} (itself the
 * reference ggml-quants.c dequantizers) operation by operation in f32 with no fused multiply-add, so results are
 * bitwise identical to it. BF16 output is the f32 result rounded to nearest even.
 */
public final class Dequantizer {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int QK_K = 256;
    private static final Set<GgmlType> SUPPORTED = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    private Dequantizer() {}

    public static boolean supports(GgmlType type) {
        return SUPPORTED.contains(type);
    }

    public static Set<GgmlType> supported() {
        return Set.copyOf(SUPPORTED);
    }

    /** Writes n f32 values (little-endian) decoded from src into dst. */
    public static void toF32(GgmlType type, MemorySegment src, long n, MemorySegment dst) {
        decode(type, src, n, (index, values, count) ->
                MemorySegment.copy(values, 0, dst, F32, index * 4, count));
    }

    /** Writes n bf16 values decoded from src into dst, rounding each f32 value to nearest even. */
    public static void toBf16(GgmlType type, MemorySegment src, long n, MemorySegment dst) {
        decode(type, src, n, (index, values, count) -> {
            for (int i = 0; i < count; i++) dst.set(I16, (index + i) * 2, Floats.floatToBf16(values[i]));
        });
    }

    /** Receives decoded values: {@code count} of them, starting at flat element {@code index}. */
    interface Sink {
        void accept(long index, float[] values, int count);
    }

    static void decode(GgmlType type, MemorySegment src, long n, Sink sink) {
        if (!supports(type)) {
            throw new IllegalArgumentException("dequantizing ggml type " + type + " is not supported (supported: "
                    + SUPPORTED + ")");
        }
        if (n % type.blockSize != 0) {
            throw new IllegalArgumentException(n + " elements are not a whole number of " + type + " blocks");
        }
        long blocks = n / type.blockSize;
        long need = blocks * type.typeSize;
        if (src.byteSize() < need) {
            throw new IllegalArgumentException(type + " data of " + src.byteSize() + " bytes is too short for " + n + " elements");
        }
        if (!type.isQuantized()) {
            decodePlain(type, src, n, sink);
            return;
        }
        // Decode several blocks per chunk so that the sink sees reasonably long runs.
        int perChunk = Math.max(1, 4096 / type.blockSize);
        byte[] raw = new byte[perChunk * type.typeSize];
        float[] out = new float[perChunk * type.blockSize];
        for (long b = 0; b < blocks; b += perChunk) {
            int k = (int) Math.min(perChunk, blocks - b);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, b * type.typeSize, raw, 0, k * type.typeSize);
            for (int j = 0; j < k; j++) block(type, raw, j * type.typeSize, out, j * type.blockSize);
            sink.accept(b * type.blockSize, out, k * type.blockSize);
        }
    }

    private static void decodePlain(GgmlType type, MemorySegment src, long n, Sink sink) {
        float[] out = new float[4096];
        for (long i = 0; i < n; i += out.length) {
            int k = (int) Math.min(out.length, n - i);
            switch (type) {
                case F32 -> MemorySegment.copy(src, F32, i * 4, out, 0, k);
                case F16 -> {
                    for (int j = 0; j < k; j++) out[j] = Float.float16ToFloat(src.get(I16, (i + j) * 2));
                }
                case BF16 -> {
                    for (int j = 0; j < k; j++) out[j] = Floats.bf16ToFloat(src.get(I16, (i + j) * 2));
                }
                default -> throw new AssertionError(type);
            }
            sink.accept(i, out, k);
        }
    }

    private static void block(GgmlType type, byte[] b, int o, float[] y, int yo) {
        switch (type) {
            case Q4_0 -> q4_0(b, o, y, yo);
            case Q4_1 -> q4_1(b, o, y, yo);
            case Q5_0 -> q5_0(b, o, y, yo);
            case Q5_1 -> q5_1(b, o, y, yo);
            case Q8_0 -> q8_0(b, o, y, yo);
            case Q2_K -> q2_k(b, o, y, yo);
            case Q3_K -> q3_k(b, o, y, yo);
            case Q4_K -> q4_k(b, o, y, yo);
            case Q5_K -> q5_k(b, o, y, yo);
            case Q6_K -> q6_k(b, o, y, yo);
            default -> throw new AssertionError(type);
        }
    }

    private static float half(byte[] b, int o) {
        return Float.float16ToFloat((short) ((b[o] & 0xFF) | (b[o + 1] << 8)));
    }

    private static int u8(byte[] b, int o) {
        return b[o] & 0xFF;
    }

    // Q4_0: d (f16), 16 bytes of nibbles; element l is the low nibble of byte l, element 16+l the high one.
    private static void q4_0(byte[] b, int o, float[] y, int yo) {
        float d = half(b, o);
        for (int l = 0; l < 16; l++) {
            int q = u8(b, o + 2 + l);
            y[yo + l] = d * (float) ((q & 0xF) - 8);
            y[yo + 16 + l] = d * (float) ((q >> 4) - 8);
        }
    }

    // Q4_1: d, m (f16), nibbles as Q4_0; x = d*q + m.
    private static void q4_1(byte[] b, int o, float[] y, int yo) {
        float d = half(b, o), m = half(b, o + 2);
        for (int l = 0; l < 16; l++) {
            int q = u8(b, o + 4 + l);
            y[yo + l] = d * (float) (q & 0xF) + m;
            y[yo + 16 + l] = d * (float) (q >> 4) + m;
        }
    }

    private static int u32(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | (b[o + 3] & 0xFF) << 24;
    }

    // Q5_0: d (f16), qh (32 high bits, bit i for element i), 16 bytes of low nibbles; q - 16.
    private static void q5_0(byte[] b, int o, float[] y, int yo) {
        float d = half(b, o);
        int qh = u32(b, o + 2);
        for (int l = 0; l < 16; l++) {
            int q = u8(b, o + 6 + l);
            int lo = (q & 0xF) | ((qh >>> l) & 1) << 4;
            int hi = (q >> 4) | ((qh >>> (l + 16)) & 1) << 4;
            y[yo + l] = d * (float) (lo - 16);
            y[yo + 16 + l] = d * (float) (hi - 16);
        }
    }

    private static void q5_1(byte[] b, int o, float[] y, int yo) {
        float d = half(b, o), m = half(b, o + 2);
        int qh = u32(b, o + 4);
        for (int l = 0; l < 16; l++) {
            int q = u8(b, o + 8 + l);
            int lo = (q & 0xF) | ((qh >>> l) & 1) << 4;
            int hi = (q >> 4) | ((qh >>> (l + 16)) & 1) << 4;
            y[yo + l] = d * (float) lo + m;
            y[yo + 16 + l] = d * (float) hi + m;
        }
    }

    // Q8_0: d (f16), 32 signed bytes.
    private static void q8_0(byte[] b, int o, float[] y, int yo) {
        float d = half(b, o);
        for (int l = 0; l < 32; l++) y[yo + l] = (float) b[o + 2 + l] * d;
    }

    // Q2_K: 16 scale bytes (low nibble scale, high nibble min), 64 bytes of 2-bit values, d, dmin.
    private static void q2_k(byte[] b, int o, float[] y, int yo) {
        int qs = o + 16;
        float d = half(b, o + 80), dmin = half(b, o + 82);
        float[] dl = new float[16], ml = new float[16];
        for (int g = 0; g < 16; g++) {
            int s = u8(b, o + g);
            dl[g] = d * (float) (s & 0xF);
            ml[g] = dmin * (float) (s >> 4);
        }
        for (int c = 0; c < 2; c++) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 32; l++) {
                    int idx = (c * 4 + j) * 32 + l;
                    int q = (u8(b, qs + c * 32 + l) >> (2 * j)) & 3;
                    int g = idx >> 4;
                    y[yo + idx] = dl[g] * (float) q - ml[g];
                }
            }
        }
    }

    // Q3_K: 32 bytes hmask, 64 bytes of 2-bit values, 12 bytes of packed 6-bit scales, d.
    private static void q3_k(byte[] b, int o, float[] y, int yo) {
        int hm = o, qs = o + 32, sc = o + 96;
        float d = half(b, o + 108);
        float[] dl = new float[16];
        for (int i = 0; i < 16; i++) {
            int lo = (u8(b, sc + (i & 7)) >> (4 * (i >> 3))) & 0xF;
            int hi = (u8(b, sc + 8 + (i & 3)) >> (2 * (i >> 2))) & 3;
            dl[i] = d * (float) ((byte) (lo | hi << 4) - 32);
        }
        for (int c = 0; c < 2; c++) {
            for (int j = 0; j < 4; j++) {
                for (int l = 0; l < 32; l++) {
                    int idx = (c * 4 + j) * 32 + l;
                    int ql = (u8(b, qs + c * 32 + l) >> (2 * j)) & 3;
                    int h = ((u8(b, hm + l) >> (idx >> 5)) & 1) ^ 1;
                    y[yo + idx] = dl[idx >> 4] * (float) (ql - (h << 2));
                }
            }
        }
    }

    /** The 8 six-bit scales and mins of a Q4_K/Q5_K block, from its 12 packed bytes at s. */
    private static void scaleMin(byte[] b, int s, int[] sc, int[] mn) {
        for (int k = 0; k < 4; k++) {
            int d = u8(b, s + k), m = u8(b, s + 4 + k), md = u8(b, s + 8 + k);
            sc[k] = d & 0x3F;
            mn[k] = m & 0x3F;
            sc[4 + k] = (md & 0x0F) | ((d >> 2) & 0x30);
            mn[4 + k] = (md >> 4) | ((m >> 2) & 0x30);
        }
    }

    // Q4_K: d, dmin (f16), 12 bytes of scales/mins, 128 bytes of nibbles in 4 chunks of 32 (low nibbles first).
    private static void q4_k(byte[] b, int o, float[] y, int yo) {
        float d = half(b, o), dmin = half(b, o + 2);
        int[] sc = new int[8], mn = new int[8];
        scaleMin(b, o + 4, sc, mn);
        int qs = o + 16;
        for (int s = 0; s < 8; s++) {
            float ds = d * (float) sc[s], dm = dmin * (float) mn[s];
            int c = s >> 1, shift = 4 * (s & 1);
            for (int l = 0; l < 32; l++) {
                int q = (u8(b, qs + c * 32 + l) >> shift) & 0xF;
                y[yo + s * 32 + l] = ds * (float) q - dm;
            }
        }
    }

    // Q5_K: as Q4_K plus 32 bytes of high bits (bit s of byte l for sub-block s) before the nibbles.
    private static void q5_k(byte[] b, int o, float[] y, int yo) {
        float d = half(b, o), dmin = half(b, o + 2);
        int[] sc = new int[8], mn = new int[8];
        scaleMin(b, o + 4, sc, mn);
        int qh = o + 16, qs = o + 48;
        for (int s = 0; s < 8; s++) {
            float ds = d * (float) sc[s], dm = dmin * (float) mn[s];
            int c = s >> 1, shift = 4 * (s & 1);
            for (int l = 0; l < 32; l++) {
                int q = ((u8(b, qs + c * 32 + l) >> shift) & 0xF) | ((u8(b, qh + l) >> s) & 1) << 4;
                y[yo + s * 32 + l] = ds * (float) q - dm;
            }
        }
    }

    // Q6_K: 128 bytes low nibbles, 64 bytes of 2-bit highs, 16 signed scales, d.
    private static void q6_k(byte[] b, int o, float[] y, int yo) {
        int ql = o, qh = o + 128, sc = o + 192;
        float d = half(b, o + 208);
        float[] ds = new float[16];
        for (int g = 0; g < 16; g++) ds[g] = d * (float) b[sc + g];
        for (int idx = 0; idx < QK_K; idx++) {
            int c = idx >> 7, r = idx & 127;
            int lo = (u8(b, ql + c * 64 + (r & 63)) >> (4 * (r >> 6))) & 0xF;
            int hi = (u8(b, qh + c * 32 + (r & 31)) >> (2 * (r >> 5))) & 3;
            y[yo + idx] = ds[idx >> 4] * (float) ((lo | hi << 4) - 32);
        }
    }
}
