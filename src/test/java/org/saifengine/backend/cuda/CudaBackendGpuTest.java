package org.saifengine.backend.cuda;

import static org.saifengine.backend.cuda.GpuAsserts.BF16_TOL;
import static org.saifengine.backend.cuda.GpuAsserts.F32_TOL;
import static org.saifengine.backend.cuda.GpuAsserts.assertClose;
import static org.saifengine.backend.cuda.GpuAsserts.random;

import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.saifengine.backend.Activation;
import org.saifengine.backend.AttentionParams;
import org.saifengine.backend.Backend;
import org.saifengine.backend.Buf;
import org.saifengine.backend.cpu.CpuBackend;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

/**
 * Every Backend op of {@link CudaBackend} against the scalar CPU backend on fresh seeded random inputs, with the GPU
 * outputs poisoned (NaN) before each op so an unwritten element fails. Runs with -Dgroups=gpu on a GPU machine
 * (benchmarks/gpu/run.sh).
 */
@Tag("gpu")
class CudaBackendGpuTest {
    static CudaBackend gpu;
    static final CpuBackend cpu = CpuBackend.scalar();
    static final Arena arena = Arena.ofShared();
    final Random rnd = new Random(System.nanoTime());

    @BeforeAll
    static void open() {
        GpuAsserts.assumeDevice();
        gpu = CudaBackend.create();
    }

    @AfterAll
    static void close() {
        if (gpu != null) gpu.close();
    }

    static Buf put(Backend b, float[] v) {
        Buf buf = b.allocate(v.length);
        b.upload(v, 0, buf, 0, v.length);
        return buf;
    }

    static Buf poisoned(Backend b, int n) {
        return put(b, GpuAsserts.nans(n));
    }

    static float[] get(Backend b, Buf buf, int n) {
        float[] out = new float[n];
        b.download(buf, 0, out, 0, n);
        return out;
    }

    static Tensor tensor(float[] v, DType t, long... shape) {
        Tensor f = Tensor.ofFloats(arena, v, shape);
        return t == DType.F32 ? f : f.to(t, arena);
    }

    @Test
    void embedGathersScaledRows() {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            int vocab = 300, d = 96;
            Tensor table = tensor(random(rnd, vocab * d, 1f), t, vocab, d);
            int[] ids = {0, 299, 17, 17, 5};
            Buf c = cpu.allocate(ids.length * d), g = poisoned(gpu, ids.length * d);
            cpu.embed(cpu.weight("e", table), ids, 3.5f, c);
            gpu.embed(gpu.weight("e", table), ids, 3.5f, g);
            assertClose(get(cpu, c, ids.length * d), get(gpu, g, ids.length * d), F32_TOL, "embed " + t);
        }
    }

    @Test
    void rmsNormMatchesWithPlainAndOnePlusWeights() {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            for (int dim : new int[] {64, 2304, 33}) {
                int rows = 3;
                float[] x = random(rnd, rows * dim, 2f);
                Tensor w = tensor(random(rnd, dim, 0.5f), t, dim);
                for (boolean plusOne : new boolean[] {false, true}) {
                    Buf c = cpu.allocate(rows * dim), g = poisoned(gpu, rows * dim);
                    cpu.rmsNorm(put(cpu, x), cpu.weight("w", w), 1e-6f, plusOne, rows, dim, c);
                    gpu.rmsNorm(put(gpu, x), gpu.weight("w", w), 1e-6f, plusOne, rows, dim, g);
                    assertClose(get(cpu, c, rows * dim), get(gpu, g, rows * dim), F32_TOL, "rmsnorm " + t + " dim " + dim + " +1 " + plusOne);
                }
            }
        }
    }

    @Test
    void matmulGemvAndCublasWithBias() {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            for (int rows : new int[] {1, 7}) {
                int in = 200, out = 131;
                float[] x = random(rnd, rows * in, 1f);
                Tensor w = tensor(random(rnd, out * in, 0.1f), t, out, in);
                Tensor bias = tensor(random(rnd, out, 1f), t, out);
                Buf c = cpu.allocate(rows * out), g = poisoned(gpu, rows * out);
                cpu.matmul(put(cpu, x), rows, cpu.weight("w", w), cpu.weight("b", bias), c);
                gpu.matmul(put(gpu, x), rows, gpu.weight("w", w), gpu.weight("b", bias), g);
                // rows > 1 with bf16 weights rounds the activations to bf16 for cuBLAS
                double tol = t == DType.BF16 && rows > 1 ? BF16_TOL : F32_TOL;
                assertClose(get(cpu, c, rows * out), get(gpu, g, rows * out), tol, "matmul " + t + " rows " + rows);
            }
        }
    }

    @Test
    void ropeBothLayouts() {
        int rows = 5, heads = 4, hd = 64;
        float[] x = random(rnd, rows * heads * hd, 1f);
        int[] pos = {0, 1, 2, 1000, 31999};
        float[] inv = new float[hd / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = (float) Math.pow(10000, -2.0 * i / hd);
        for (boolean interleaved : new boolean[] {false, true}) {
            Buf c = put(cpu, x), g = put(gpu, x);
            cpu.rope(c, rows, heads, hd, pos, inv, 1.25f, interleaved);
            gpu.rope(g, rows, heads, hd, pos, inv, 1.25f, interleaved);
            assertClose(get(cpu, c, x.length), get(gpu, g, x.length), F32_TOL, "rope interleaved=" + interleaved);
        }
    }

    @Test
    void attentionPrefillAndDecodeWithGqaWindowAndSoftcap() {
        int hd = 64, heads = 8, kvHeads = 2, cap = 80;
        for (int window : new int[] {0, 16}) {
            for (float softcap : new float[] {0f, 30f}) {
                AttentionParams p = new AttentionParams(heads, kvHeads, hd, 0.125f, window, softcap);
                float[] keys = random(rnd, cap * p.kvDim(), 1f), values = random(rnd, cap * p.kvDim(), 1f);
                Buf kc = put(cpu, keys), vc = put(cpu, values), kg = put(gpu, keys), vg = put(gpu, values);
                float[] keys2 = random(rnd, cap * p.kvDim(), 1f);
                Buf kc2 = put(cpu, keys2), kg2 = put(gpu, keys2);
                // rows 0..39: one sequence prefilling positions 10..49; row 40: another sequence decoding at 77.
                int rows = 41;
                int[] pos = new int[rows];
                Buf[] kcs = new Buf[rows], vcs = new Buf[rows], kgs = new Buf[rows], vgs = new Buf[rows];
                for (int r = 0; r < rows; r++) {
                    boolean second = r == rows - 1;
                    pos[r] = second ? 77 : 10 + r;
                    kcs[r] = second ? kc2 : kc; vcs[r] = vc;
                    kgs[r] = second ? kg2 : kg; vgs[r] = vg;
                }
                float[] q = random(rnd, rows * p.qDim(), 1f);
                Buf c = cpu.allocate(rows * p.qDim()), g = poisoned(gpu, rows * p.qDim());
                cpu.attention(put(cpu, q), rows, pos, kcs, vcs, p, c);
                gpu.attention(put(gpu, q), rows, pos, kgs, vgs, p, g);
                assertClose(get(cpu, c, rows * p.qDim()), get(gpu, g, rows * p.qDim()), F32_TOL,
                        "attention window " + window + " softcap " + softcap);
            }
        }
    }

    @Test
    void gatedActivationsSoftcapAndAdd() {
        int n = 1000;
        float[] gate = random(rnd, n, 2f), up = random(rnd, n, 1f);
        for (Activation a : Activation.values()) {
            Buf c = put(cpu, gate), g = put(gpu, gate);
            cpu.gatedActivation(a, c, put(cpu, up), n);
            gpu.gatedActivation(a, g, put(gpu, up), n);
            assertClose(get(cpu, c, n), get(gpu, g, n), F32_TOL, "gated " + a);
        }
        float[] x = random(rnd, n, 40f);
        Buf c = put(cpu, x), g = put(gpu, x);
        cpu.softcap(c, n, 30f);
        gpu.softcap(g, n, 30f);
        assertClose(get(cpu, c, n), get(gpu, g, n), F32_TOL, "softcap");
        cpu.add(c, put(cpu, up), n);
        gpu.add(g, put(gpu, up), n);
        assertClose(get(cpu, c, n), get(gpu, g, n), F32_TOL, "add");
    }

    @Test
    void copiesMoveExactlyTheRange() {
        float[] x = random(rnd, 100, 1f);
        Buf a = put(gpu, x), b = poisoned(gpu, 100);
        gpu.copy(a, 10, b, 20, 30);
        float[] out = get(gpu, b, 100);
        for (int i = 0; i < 100; i++) {
            if (i >= 20 && i < 50) org.junit.jupiter.api.Assertions.assertEquals(x[i - 10], out[i]);
            else org.junit.jupiter.api.Assertions.assertTrue(Float.isNaN(out[i]), "untouched " + i);
        }
    }
}
