package org.saifengine.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.saifengine.backend.Buf;
import org.saifengine.backend.Weight;
import org.saifengine.backend.cpu.CpuBackend;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The CPU backend's matmul ({@code out = x W^T}) as the model calls it: GEMV (rows = 1, decode) and GEMM
 * (rows = 64, prefill) with f32 and bf16 weights and on Q8_0 / Q4_0 / Q4_1 blocks (random blocks: the kernels do
 * not depend on the values), on all cores. Shapes: SmolLM2-135M's FFN up/gate (1536 x 576),
 * its tied unembedding (49152 x 576, the largest matrix of a decode step) and a Gemma-2-2B square (2304 x 2304).
 * The bf16 path needs a few seconds of warm-up before C2 compiles its Vector API loop. Score: µs per call; weight bytes / time gives the effective bandwidth of the GEMV.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {
    @Param({"1536x576", "49152x576", "2304x2304"})
    public String shape;

    @Param({"F32", "BF16", "Q8_0", "Q4_1"})
    public String dtype;

    @Param({"1", "64"})
    public int rows;

    private CpuBackend backend;
    private Arena arena;
    private Weight w;
    private Buf x, out;

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        int outDim = Integer.parseInt(p[0]), in = Integer.parseInt(p[1]);
        arena = Arena.ofShared();
        float[] vals = new float[outDim * in];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < vals.length; i++) vals[i] = (float) (r.nextDouble() - 0.5);
        DType dt = DType.valueOf(dtype);
        Tensor t;
        if (dt.isBlockQuantized()) {
            MemorySegment m = arena.allocate(dt.byteSize((long) outDim * in), 64);
            for (long i = 0; i < m.byteSize(); i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt(256));
            for (long b = 0; b < m.byteSize() / dt.bytes; b++) {
                m.set(Tensor.I16_LE, b * dt.bytes, Float.floatToFloat16(0.01f));
                if (dt == DType.Q4_1) m.set(Tensor.I16_LE, b * dt.bytes + 2, Float.floatToFloat16(-0.05f));
            }
            t = new Tensor(dt, new long[]{outDim, in}, m);
        } else {
            t = Tensor.ofFloats(arena, vals, outDim, in);
            if (dt != DType.F32) t = t.to(dt, arena);
        }
        backend = CpuBackend.create();
        w = backend.weight("w", t);
        x = backend.allocate((long) rows * in);
        float[] xs = new float[rows * in];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextDouble();
        backend.upload(xs, 0, x, 0, xs.length);
        out = backend.allocate((long) rows * outDim);
    }

    @TearDown
    public void tearDown() {
        backend.close();
        arena.close();
    }

    @Benchmark
    public Buf matmul() {
        backend.matmul(x, rows, w, null, out);
        return out;
    }
}
