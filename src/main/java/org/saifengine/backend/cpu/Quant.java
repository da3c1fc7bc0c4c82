package org.saifengine.backend.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Dot products on ggml weight blocks (Q8_0, Q4_0, Q4_1: 32 elements per block) without dequantizing a matrix to
 * memory: each block is widened to f32 in registers and multiplied with the f32 activations.
 *
 * <p>Every weight is rebuilt with exactly the f32 operations gguf-py's dequantizer uses ({@code q * d},
 * {@code (q - 8) * d}, {@code q * d + m}: a multiply and an add, never fused), and accumulated in the same order as
 * {@link Dot}'s f32 kernels, so a matmul on blocks gives bit for bit what the same matmul gives on the dequantized
 * f32 matrix. (Factoring the scales out of each block would save a multiply per weight but round differently.)
 * Activations stay f32: the Vector API has no int8 dot-product instruction (vpdpbusd), so quantizing them to int8
 * as llama.cpp does would add work here rather than save it.
 */
final class Quant {
    private static final VectorSpecies<Float> F = Dot.F;
    private static final int L = F.length();
    /** The kernels are written for 16 float lanes (AVX-512): a block is two vectors. Elsewhere blocks are
     *  dequantized row by row into f32 scratch for the f32 kernels. */
    static final boolean VECTOR = L == 16;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int BLOCK = 32;
    /** Scratch floats {@link #dot1x4} needs. */
    static final int LANES = 4 * L;
    // Constant operands as vectors, built once.
    private static final ByteVector LOW4 = VECTOR ? ByteVector.broadcast(B, (byte) 0x0F) : null,
            HIGH4 = VECTOR ? ByteVector.broadcast(B, (byte) 0xF0) : null, SIGN = VECTOR ? ByteVector.broadcast(B, (byte) 0x80) : null,
            EIGHT_B = VECTOR ? ByteVector.broadcast(B, (byte) 8) : null;
    private static final FloatVector EIGHT = FloatVector.broadcast(F, 8f), SIXTEENTH = FloatVector.broadcast(F, 0.0625f);

    private Quant() {}

    private static float f16(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(Tensor.I16_LE, off));
    }

    /** The f16 at off, in every lane. */
    private static FloatVector scale(MemorySegment w, long off) {
        return FloatVector.broadcast(F, f16(w, off));
    }

    /**
     * One f32 activation row x[xo ..) against four block rows at byte offsets base + r * rowBytes (r < 4); n is a
     * multiple of 32. out4[r] = the dot product, identical to {@code Dot.dot1x4} on the dequantized rows.
     * lanes is scratch of at least {@link #LANES} floats. Needs {@link #VECTOR}.
     *
     * <p>The kernels are written out by hand, one block (two 16-lane halves) per step: C2 boxes every vector that
     * crosses a call it does not inline, and it declined to inline helpers above ~35 bytecodes here ("callee is too
     * large"), which made the first version 5-20x slower than this one.
     */
    static void dot1x4(DType t, float[] x, int xo, MemorySegment w, long base, long rowBytes, int n, float[] lanes, float[] out4) {
        switch (t) {
            case Q8_0 -> {
                for (int r = 0; r < 4; r++) q8_0x1(x, xo, w, base + r * rowBytes, n, lanes, r * L);
            }
            case Q4_0 -> {
                q4_0x2(x, xo, w, base, rowBytes, n, lanes, 0);
                q4_0x2(x, xo, w, base + 2 * rowBytes, rowBytes, n, lanes, 2 * L);
            }
            case Q4_1 -> {
                q4_1x2(x, xo, w, base, rowBytes, n, lanes, 0);
                q4_1x2(x, xo, w, base + 2 * rowBytes, rowBytes, n, lanes, 2 * L);
            }
            default -> throw new IllegalArgumentException("no block kernel for " + t);
        }
        treeSums(lanes, out4);
    }

    // Kernels leave each row's accumulator lanes in t[to + r * L ..) for row r.

    /** One Q8_0 row: a two-row version of this kernel ran 3-10x slower from DRAM (49152 x 576), one row does not. */
    private static void q8_0x1(float[] x, int xo, MemorySegment w, long r0, int n, float[] t, int to) {
        FloatVector a0 = FloatVector.zero(F);
        for (int i = 0; i < n; i += BLOCK) {
            long off = r0 + (long) (i >>> 5) * 34;
            FloatVector xl = FloatVector.fromArray(F, x, xo + i), xh = FloatVector.fromArray(F, x, xo + i + 16);
            FloatVector d0 = scale(w, off);
            FloatVector l0 = (FloatVector) ByteVector.fromMemorySegment(B, w, off + 2, LE).convertShape(VectorOperators.B2F, F, 0);
            FloatVector h0 = (FloatVector) ByteVector.fromMemorySegment(B, w, off + 18, LE).convertShape(VectorOperators.B2F, F, 0);
            a0 = xl.fma(l0.mul(d0), a0);
            a0 = xh.fma(h0.mul(d0), a0);
        }
        a0.intoArray(t, to);
    }

    private static void q4_0x2(float[] x, int xo, MemorySegment w, long r0, long rowBytes, int n, float[] t, int to) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long r1 = r0 + rowBytes;
        for (int i = 0; i < n; i += BLOCK) {
            long off = (long) (i >>> 5) * 18;
            FloatVector xl = FloatVector.fromArray(F, x, xo + i), xh = FloatVector.fromArray(F, x, xo + i + 16);
            FloatVector d0 = scale(w, r0 + off), d1 = scale(w, r1 + off);
            ByteVector q0 = ByteVector.fromMemorySegment(B, w, r0 + off + 2, LE), q1 = ByteVector.fromMemorySegment(B, w, r1 + off + 2, LE);
            // Low nibble - 8 as a signed byte; high nibble masked in place with its top bit flipped = (q - 8) * 16.
            FloatVector l0 = (FloatVector) q0.and(LOW4).sub(EIGHT_B).convertShape(VectorOperators.B2F, F, 0);
            FloatVector h0 = ((FloatVector) q0.and(HIGH4).lanewise(VectorOperators.XOR, SIGN).convertShape(VectorOperators.B2F, F, 0)).mul(SIXTEENTH);
            FloatVector l1 = (FloatVector) q1.and(LOW4).sub(EIGHT_B).convertShape(VectorOperators.B2F, F, 0);
            FloatVector h1 = ((FloatVector) q1.and(HIGH4).lanewise(VectorOperators.XOR, SIGN).convertShape(VectorOperators.B2F, F, 0)).mul(SIXTEENTH);
            a0 = xl.fma(l0.mul(d0), a0);
            a1 = xl.fma(l1.mul(d1), a1);
            a0 = xh.fma(h0.mul(d0), a0);
            a1 = xh.fma(h1.mul(d1), a1);
        }
        a0.intoArray(t, to);
        a1.intoArray(t, to + L);
    }

    private static void q4_1x2(float[] x, int xo, MemorySegment w, long r0, long rowBytes, int n, float[] t, int to) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long r1 = r0 + rowBytes;
        for (int i = 0; i < n; i += BLOCK) {
            long off = (long) (i >>> 5) * 20;
            FloatVector xl = FloatVector.fromArray(F, x, xo + i), xh = FloatVector.fromArray(F, x, xo + i + 16);
            FloatVector d0 = scale(w, r0 + off), d1 = scale(w, r1 + off), m0 = scale(w, r0 + off + 2), m1 = scale(w, r1 + off + 2);
            ByteVector q0 = ByteVector.fromMemorySegment(B, w, r0 + off + 4, LE), q1 = ByteVector.fromMemorySegment(B, w, r1 + off + 4, LE);
            FloatVector l0 = (FloatVector) q0.and(LOW4).convertShape(VectorOperators.B2F, F, 0);
            FloatVector h0 = ((FloatVector) q0.and(HIGH4).lanewise(VectorOperators.XOR, SIGN).convertShape(VectorOperators.B2F, F, 0)).fma(SIXTEENTH, EIGHT);
            FloatVector l1 = (FloatVector) q1.and(LOW4).convertShape(VectorOperators.B2F, F, 0);
            FloatVector h1 = ((FloatVector) q1.and(HIGH4).lanewise(VectorOperators.XOR, SIGN).convertShape(VectorOperators.B2F, F, 0)).fma(SIXTEENTH, EIGHT);
            a0 = xl.fma(l0.mul(d0).add(m0), a0);
            a1 = xl.fma(l1.mul(d1).add(m1), a1);
            a0 = xh.fma(h0.mul(d0).add(m0), a0);
            a1 = xh.fma(h1.mul(d1).add(m1), a1);
        }
        a0.intoArray(t, to);
        a1.intoArray(t, to + L);
    }

    /**
     * The four accumulators' lane sums, each in {@link Lanes#sum}'s pairwise order (lane i + lane i + n/2, ...),
     * done on the lanes stored in t (four vectors): called from these kernels, Lanes.sum was not inlined and boxed
     * its argument (2.5x slower).
     */
    private static void treeSums(float[] t, float[] out4) {
        for (int r = 0; r < 4; r++) {
            int o = r * L;
            for (int half = L / 2; half >= 1; half /= 2) {
                for (int i = 0; i < half; i++) t[o + i] += t[o + i + half];
            }
            out4[r] = t[o];
        }
    }

    /**
     * Dequantizes the n elements of the block row at byte offset base into dst[dstOff ..), exactly as gguf-py does
     * (bit for bit); with vector, in registers of the same values as the dot kernels use.
     */
    static void dequantizeRow(DType t, MemorySegment w, long base, int n, float[] dst, int dstOff, boolean vector) {
        if (vector && VECTOR) {
            switch (t) {
                case Q8_0 -> {
                    for (int i = 0; i < n; i += BLOCK) {
                        long off = base + (long) (i >>> 5) * 34;
                        FloatVector d = scale(w, off);
                        ((FloatVector) ByteVector.fromMemorySegment(B, w, off + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(dst, dstOff + i);
                        ((FloatVector) ByteVector.fromMemorySegment(B, w, off + 18, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(dst, dstOff + i + 16);
                    }
                }
                case Q4_0 -> {
                    for (int i = 0; i < n; i += BLOCK) {
                        long off = base + (long) (i >>> 5) * 18;
                        FloatVector d = scale(w, off);
                        ByteVector q = ByteVector.fromMemorySegment(B, w, off + 2, LE);
                        ((FloatVector) q.and(LOW4).sub(EIGHT_B).convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(dst, dstOff + i);
                        ((FloatVector) q.and(HIGH4).lanewise(VectorOperators.XOR, SIGN).convertShape(VectorOperators.B2F, F, 0)).mul(SIXTEENTH).mul(d).intoArray(dst, dstOff + i + 16);
                    }
                }
                case Q4_1 -> {
                    for (int i = 0; i < n; i += BLOCK) {
                        long off = base + (long) (i >>> 5) * 20;
                        FloatVector d = scale(w, off), m = scale(w, off + 2);
                        ByteVector q = ByteVector.fromMemorySegment(B, w, off + 4, LE);
                        ((FloatVector) q.and(LOW4).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m).intoArray(dst, dstOff + i);
                        ((FloatVector) q.and(HIGH4).lanewise(VectorOperators.XOR, SIGN).convertShape(VectorOperators.B2F, F, 0)).fma(SIXTEENTH, EIGHT).mul(d).add(m).intoArray(dst, dstOff + i + 16);
                    }
                }
                default -> throw new IllegalArgumentException("no block kernel for " + t);
            }
            return;
        }
        for (int i = 0; i < n; i += BLOCK) {
            long off = base + (long) (i >>> 5) * t.bytes;
            float d = f16(w, off);
            for (int l = 0; l < BLOCK; l++) {
                dst[dstOff + i + l] = switch (t) {
                    case Q8_0 -> (float) w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + 2 + l) * d;
                    case Q4_0 -> d * (float) (nibble(w, off + 2, l) - 8);
                    case Q4_1 -> d * (float) nibble(w, off + 4, l) + f16(w, off + 2);
                    default -> throw new IllegalArgumentException("no block kernel for " + t);
                };
            }
        }
    }

    /** Nibble of element l (0-31) of a Q4 block whose 16 bytes start at qs. */
    private static int nibble(MemorySegment w, long qs, int l) {
        int b = w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, qs + (l & 15)) & 0xFF;
        return l < 16 ? b & 0xF : b >> 4;
    }
}
