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
import org.saifengine.sae.Architecture;
import org.saifengine.sae.FusedEncoder;
import org.saifengine.sae.LatentHeap;
import org.saifengine.sae.NormState;
import org.saifengine.sae.Normalization;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;
import org.saifengine.sae.SparseCode;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * TopK SAE encode at the Gemma Scope 16k shape (d_in 2304, d_sae 16384, k 64): the screened encode
 * ({@link Sae#encode(float[][])}: int8 screen, exact recompute of candidates), the exact fused encode + top-k
 * ({@link Sae#encodeExact}, pre-activations never stored) and the dense path (every token's full
 * 16384-wide pre-activation vector from the same vectorised dot kernel, then a top-k select). Batch 1 is decode
 * (bandwidth-bound: W_enc is 151 MB), batch 256 is offline encoding (compute-bound). Score: ms per batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class SaeEncodeBenchmark {
    static final int D_IN = 2304, D_SAE = 16384, K = 64;

    @Param({"1", "256"})
    public int batch;

    private Sae sae;
    private float[][] xs, pre;

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(1);
        float s = (float) (1 / Math.sqrt(D_IN));
        sae = Sae.create(new SaeConfig(Architecture.TOPK, D_IN, D_SAE, K, true, Normalization.NONE, false, null, null, "bench"),
                SaeWeights.of(gauss(r, D_IN * D_SAE, s), gauss(r, D_SAE, 0.1f), gauss(r, D_SAE * D_IN, s), gauss(r, D_IN, 0.1f)));
        xs = new float[batch][];
        for (int t = 0; t < batch; t++) xs[t] = gauss(r, D_IN, 1f);
        pre = new float[batch][D_SAE];
    }

    /** int8 screen over all latents, exact f32 recompute of the candidates (the default encode for one token). */
    @Benchmark
    public SparseCode[] screenedTopK() {
        return sae.encodeScreened(xs, 0);
    }

    /** Fused encode + top-k over the f32 encoder rows, no screen (same results). */
    @Benchmark
    public SparseCode[] fusedTopK() {
        return sae.encodeExact(xs, 0);
    }

    @Benchmark
    public SparseCode[] denseThenSelect() {
        float[][] xp = new float[batch][D_IN];
        for (int t = 0; t < batch; t++) sae.prepareInput(xs[t], xp[t]);
        FusedEncoder.rowDots(sae.weights().encoderRows(), D_IN, D_SAE, xp, pre);
        float[] bEnc = sae.weights().bEnc();
        SparseCode[] codes = new SparseCode[batch];
        for (int t = 0; t < batch; t++) {
            LatentHeap h = new LatentHeap(K);
            for (int j = 0; j < D_SAE; j++) h.offer(j, pre[t][j] + bEnc[j]);
            codes[t] = h.toCode(NormState.IDENTITY);
        }
        return codes;
    }

    private static float[] gauss(SplittableRandom r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble(), v = r.nextDouble();
            a[i] = (float) (Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v)) * scale;
        }
        return a;
    }
}
