package org.saifengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.saifengine.tensor.Floats;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Dot products of activation rows (float arrays) with weight rows (F32 or BF16 bytes in a memory segment), in a
 * Vector API version and a scalar reference version. BF16 is widened by shifting its 16 bits into the top of an
 * int, which is exactly the f32 with the same value.
 */
final class Dot {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize()));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Dot() {}

    /** Weight elements [i, i + F.length()) of a row starting at byte offset base, as a float vector. */
    private static FloatVector load(MemorySegment w, long base, int i, boolean bf16) {
        if (!bf16) return FloatVector.fromMemorySegment(F, w, base + 4L * i, LE);
        ShortVector s = ShortVector.fromMemorySegment(S, w, base + 2L * i, LE);
        IntVector v = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float scalarWeight(MemorySegment w, long base, int i, boolean bf16) {
        return bf16 ? Floats.bf16ToFloat(w.get(Tensor.I16_LE, base + 2L * i)) : w.get(Tensor.F32_LE, base + 4L * i);
    }

    /** sum_i x[xo + i] * w[row][i] for i < n; base is the byte offset of the weight row. */
    static float dot(float[] x, int xo, MemorySegment w, long base, int n, boolean bf16) {
        int i = 0;
        float sum = 0;
        if (n >= F.length()) {
            FloatVector acc = FloatVector.zero(F);
            int upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                acc = FloatVector.fromArray(F, x, xo + i).fma(load(w, base, i, bf16), acc);
            }
            sum = Lanes.sum(acc);
        }
        for (; i < n; i++) sum += x[xo + i] * scalarWeight(w, base, i, bf16);
        return sum;
    }

    /**
     * One activation row against four weight rows (byte offsets base + r * rowBytes): four independent FMA chains,
     * so a GEMV over short rows (d_model 576) is not bound by one chain's FMA latency. Each row sees exactly the
     * operations {@link #dot(float[], int, MemorySegment, long, int, boolean)} does, so results are identical.
     */
    static void dot1x4(float[] x, int xo, MemorySegment w, long base, long rowBytes, int n, boolean bf16, float[] out4) {
        int i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (n >= F.length()) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                a0 = xv.fma(load(w, base, i, bf16), a0);
                a1 = xv.fma(load(w, base + rowBytes, i, bf16), a1);
                a2 = xv.fma(load(w, base + 2 * rowBytes, i, bf16), a2);
                a3 = xv.fma(load(w, base + 3 * rowBytes, i, bf16), a3);
            }
            s0 = Lanes.sum(a0);
            s1 = Lanes.sum(a1);
            s2 = Lanes.sum(a2);
            s3 = Lanes.sum(a3);
        }
        for (; i < n; i++) {
            float xi = x[xo + i];
            s0 += xi * scalarWeight(w, base, i, bf16);
            s1 += xi * scalarWeight(w, base + rowBytes, i, bf16);
            s2 += xi * scalarWeight(w, base + 2 * rowBytes, i, bf16);
            s3 += xi * scalarWeight(w, base + 3 * rowBytes, i, bf16);
        }
        out4[0] = s0;
        out4[1] = s1;
        out4[2] = s2;
        out4[3] = s3;
    }

    /**
     * Four activation rows (at xo, xo + stride, ...) against one weight row, loading each weight vector once:
     * prefill reads the weights a quarter as often as four separate dots would.
     */
    static void dot4(float[] x, int xo, int stride, MemorySegment w, long base, int n, boolean bf16, float[] out4) {
        int i = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (n >= F.length()) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                FloatVector wv = load(w, base, i, bf16);
                a0 = FloatVector.fromArray(F, x, xo + i).fma(wv, a0);
                a1 = FloatVector.fromArray(F, x, xo + stride + i).fma(wv, a1);
                a2 = FloatVector.fromArray(F, x, xo + 2 * stride + i).fma(wv, a2);
                a3 = FloatVector.fromArray(F, x, xo + 3 * stride + i).fma(wv, a3);
            }
            s0 = Lanes.sum(a0);
            s1 = Lanes.sum(a1);
            s2 = Lanes.sum(a2);
            s3 = Lanes.sum(a3);
        }
        for (; i < n; i++) {
            float wv = scalarWeight(w, base, i, bf16);
            s0 += x[xo + i] * wv;
            s1 += x[xo + stride + i] * wv;
            s2 += x[xo + 2 * stride + i] * wv;
            s3 += x[xo + 3 * stride + i] * wv;
        }
        out4[0] = s0;
        out4[1] = s1;
        out4[2] = s2;
        out4[3] = s3;
    }

    /**
     * A 4 x 2 tile: activation rows xo + k * xStride (k < 4) against the weight rows at byte offsets base and
     * base + rowBytes; out8[k * 2 + j] gets each dot. Each loaded vector feeds two or four FMAs (dot4 loads the
     * activations once per weight row). n must be a multiple of the vector length.
     */
    static void dot4x2(float[] x, int xo, int xStride, MemorySegment w, long base, long rowBytes, int n, boolean bf16,
                       float[] out8) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int i = 0; i < n; i += F.length()) {
            FloatVector w0 = load(w, base, i, bf16), w1 = load(w, base + rowBytes, i, bf16);
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            a00 = x0.fma(w0, a00);
            a01 = x0.fma(w1, a01);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + xStride + i);
            a10 = x1.fma(w0, a10);
            a11 = x1.fma(w1, a11);
            FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * xStride + i);
            a20 = x2.fma(w0, a20);
            a21 = x2.fma(w1, a21);
            FloatVector x3 = FloatVector.fromArray(F, x, xo + 3 * xStride + i);
            a30 = x3.fma(w0, a30);
            a31 = x3.fma(w1, a31);
        }
        out8[0] = Lanes.sum(a00);
        out8[1] = Lanes.sum(a01);
        out8[2] = Lanes.sum(a10);
        out8[3] = Lanes.sum(a11);
        out8[4] = Lanes.sum(a20);
        out8[5] = Lanes.sum(a21);
        out8[6] = Lanes.sum(a30);
        out8[7] = Lanes.sum(a31);
    }

    /** Scalar reference: plain loop, accumulated in double. */
    static float dotScalar(float[] x, int xo, MemorySegment w, long base, int n, boolean bf16) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (double) x[xo + i] * scalarWeight(w, base, i, bf16);
        return (float) sum;
    }

    /** sum_i a[ao + i] * b[bo + i] on arrays. */
    static float dot(float[] a, int ao, float[] b, int bo, int n, boolean vector) {
        int i = 0;
        float sum = 0;
        if (vector && n >= F.length()) {
            FloatVector acc = FloatVector.zero(F);
            int upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            }
            sum = Lanes.sum(acc);
        }
        for (; i < n; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /** y[yo + i] += s * x[xo + i]. */
    static void axpy(float s, float[] x, int xo, float[] y, int yo, int n, boolean vector) {
        int i = 0;
        if (vector && n >= F.length()) {
            FloatVector sv = FloatVector.broadcast(F, s);
            int upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                FloatVector.fromArray(F, x, xo + i).fma(sv, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] += s * x[xo + i];
    }

    /** Reads element i of a weight row as f32. */
    static float weightAt(MemorySegment w, long base, int i, boolean bf16) {
        return scalarWeight(w, base, i, bf16);
    }
}
