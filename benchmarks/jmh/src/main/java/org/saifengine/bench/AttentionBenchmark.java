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
import org.openjdk.jmh.annotations.Warmup;
import org.saifengine.backend.AttentionParams;
import org.saifengine.backend.Buf;
import org.saifengine.backend.cpu.CpuBackend;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One decode step's attention over a filled KV cache (one query row at the last position), SmolLM2-135M's
 * geometry (9 query heads sharing 3 KV heads, head_dim 64) and Gemma-2-2B's (8 / 4, 256). Score: µs per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBenchmark {
    @Param({"9/3/64", "8/4/256"})
    public String geometry;

    @Param({"128", "1024", "4096"})
    public int context;

    private CpuBackend backend;
    private AttentionParams p;
    private Buf q, out;
    private Buf[] keys, values;
    private int[] positions;

    @Setup
    public void setup() {
        String[] g = geometry.split("/");
        int heads = Integer.parseInt(g[0]), kvHeads = Integer.parseInt(g[1]), hd = Integer.parseInt(g[2]);
        p = new AttentionParams(heads, kvHeads, hd, (float) (1 / Math.sqrt(hd)), 0, 0f);
        backend = CpuBackend.create();
        SplittableRandom r = new SplittableRandom(1);
        q = filled(r, p.qDim());
        out = backend.allocate(p.qDim());
        keys = new Buf[] {filled(r, (long) context * p.kvDim())};
        values = new Buf[] {filled(r, (long) context * p.kvDim())};
        positions = new int[] {context - 1};
    }

    private Buf filled(SplittableRandom r, long n) {
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() - 0.5);
        Buf b = backend.allocate(n);
        backend.upload(a, 0, b, 0, a.length);
        return b;
    }

    @Benchmark
    public Buf attention() {
        backend.attention(q, 1, positions, keys, values, p, out);
        return out;
    }

}
