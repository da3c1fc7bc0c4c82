package org.saifengine.backend.cpu;

import org.junit.jupiter.api.Test;
import org.saifengine.backend.Buf;
import org.saifengine.backend.Weight;
import org.saifengine.io.gguf.Dequantizer;
import org.saifengine.io.gguf.GgmlType;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Floats;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The matmul and embedding on Q8_0 / Q4_0 / Q4_1 blocks against the same ops on the matrix the GGUF dequantizer
 * (bit-exact to gguf-py) turns them into: the results must be identical bit for bit, for one token (the in-register
 * kernel), several tokens (scratch rows + f32 tiles), row counts that leave remainders, and the scalar backend.
 */
class QuantMatmulTest {
    final Random random = new Random(11);

    /** Random blocks: scales from a realistic range (f16), every byte of the quants random. */
    MemorySegment randomBlocks(DType t, int rows, int cols, Arena arena) {
        long bytes = t.byteSize((long) rows * cols);
        MemorySegment m = arena.allocate(bytes, 64);
        for (long i = 0; i < bytes; i++) m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
        for (long b = 0; b < bytes / t.bytes; b++) {
            long off = b * t.bytes;
            m.set(Tensor.I16_LE, off, Floats.floatToF16((float) (random.nextDouble() * 0.02 + 1e-4)));
            if (t == DType.Q4_1) m.set(Tensor.I16_LE, off + 2, Floats.floatToF16((float) (-random.nextDouble() * 0.1)));
        }
        return m;
    }

    static GgmlType ggml(DType t) {
        return GgmlType.valueOf(t.name());
    }

    float[] randn(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }

    static float[] run(CpuBackend be, Tensor w, Tensor bias, float[] x, int rows) {
        Weight ww = be.weight("w", w);
        Weight bb = bias == null ? null : be.weight("b", bias);
        Buf xb = be.allocate(x.length);
        be.upload(x, 0, xb, 0, x.length);
        Buf o = be.allocate((long) rows * w.dim(0));
        be.matmul(xb, rows, ww, bb, o);
        float[] out = new float[(int) o.size()];
        be.download(o, 0, out, 0, out.length);
        return out;
    }

    @Test
    void blockMatmulEqualsF32MatmulOnDequantizedWeightsBitForBit() {
        CpuBackend vector = new CpuBackend(true, 2), scalar = CpuBackend.scalar();
        try (Arena arena = Arena.ofShared()) {
            for (DType t : new DType[]{DType.Q8_0, DType.Q4_0, DType.Q4_1}) {
                for (int[] shape : new int[][]{{1, 37, 64}, {1, 64, 576}, {2, 13, 96}, {3, 9, 32}, {4, 30, 160}, {9, 41, 576}}) {
                    int rows = shape[0], out = shape[1], in = shape[2];
                    MemorySegment blocks = randomBlocks(t, out, in, arena);
                    Tensor q = new Tensor(t, new long[]{out, in}, blocks);
                    Tensor f = Tensor.allocate(arena, DType.F32, out, in);
                    Dequantizer.toF32(ggml(t), blocks, (long) out * in, f.data());
                    Tensor bias = random.nextBoolean() ? Tensor.ofFloats(arena, randn(out), out) : null;
                    float[] x = randn(rows * in);
                    String what = t + " rows " + rows + " out " + out + " in " + in;
                    assertArrayEquals(run(vector, f, bias, x, rows), run(vector, q, bias, x, rows), 0f, what + " (vector)");
                    assertArrayEquals(run(scalar, f, bias, x, rows), run(scalar, q, bias, x, rows), 0f, what + " (scalar)");
                }
            }
        }
    }

    @Test
    void embeddingRowsFromBlocksEqualDequantizedRows() {
        CpuBackend be = new CpuBackend(true, 2);
        try (Arena arena = Arena.ofShared()) {
            for (DType t : new DType[]{DType.Q8_0, DType.Q4_0, DType.Q4_1}) {
                int vocab = 20, d = 96;
                MemorySegment blocks = randomBlocks(t, vocab, d, arena);
                Tensor f = Tensor.allocate(arena, DType.F32, vocab, d);
                Dequantizer.toF32(ggml(t), blocks, (long) vocab * d, f.data());
                int[] ids = {0, 19, 7, 7};
                float[][] got = new float[2][];
                Tensor[] tables = {new Tensor(t, new long[]{vocab, d}, blocks), f};
                for (int k = 0; k < 2; k++) {
                    Buf o = be.allocate((long) ids.length * d);
                    be.embed(be.weight("e", tables[k]), ids, 1.5f, o);
                    got[k] = new float[(int) o.size()];
                    be.download(o, 0, got[k], 0, got[k].length);
                }
                assertArrayEquals(got[1], got[0], 0f, t.toString());
                Buf o = be.allocate(d);
                Weight table = be.weight("e", tables[0]);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.embed(table, new int[]{20}, 1f, o));
                assertEquals("token id 20 is outside the vocabulary [0, 20)", e.getMessage());
            }
        }
    }

    @Test
    void blockTypesAreRejectedWhereTheyCannotBeRead() {
        CpuBackend be = new CpuBackend(true, 1);
        try (Arena arena = Arena.ofShared()) {
            Tensor vector = new Tensor(DType.Q8_0, new long[]{64}, arena.allocate(68));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.weight("norm", vector));
            assertEquals("weight 'norm' is a Q8_0 vector; the CPU backend reads block types only for matrices", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Tensor(DType.Q4_1, new long[]{2, 48}, arena.allocate(60)));
            assertEquals("Q4_1 tensor of shape [2, 48] needs rows of whole blocks of 32", e.getMessage());
        }
    }
}
