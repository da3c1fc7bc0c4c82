package org.saifengine.cli;

import org.saifengine.io.Json;
import org.saifengine.io.npy.NpyArray;
import org.saifengine.io.npy.NpyReader;
import org.saifengine.sae.format.SaeFormats;
import org.saifengine.sae.Architecture;
import org.saifengine.sae.FusedEncoder;
import org.saifengine.sae.LatentHeap;
import org.saifengine.sae.NormState;
import org.saifengine.sae.Normalization;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code engine sae bench}: tokens/s of the default encode (int8-screened for one token, exact fused for more), the
 * exact fused encode + top-k, the int8-screened one at every batch size, and dense encode then select, on a random TopK SAE of the given shape
 * (default: Gemma Scope 16k, d_in 2304 x d_sae 16384) or a given SAE.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark SAE encode: screened fused top-k vs exact fused vs dense then select.")
public final class SaeBenchCommand implements Callable<Integer> {
    @Option(names = "--d-in", defaultValue = "2304")
    int dIn;

    @Option(names = "--d-sae", defaultValue = "16384")
    int dSae;

    @Option(names = "--k", defaultValue = "64")
    int k;

    @Option(names = "--batch", split = ",", defaultValue = "1,256")
    int[] batches;

    @Option(names = "--seconds", defaultValue = "5", description = "measuring time per path and batch (5 interleaved rounds)")
    double seconds;

    @Option(names = "--json")
    boolean json;

    @Option(names = "--sae", description = "benchmark this SAE (any format `sae encode` reads) instead of a random TopK one")
    Path saePath;

    @Option(names = "--activations", description = ".npy of [tokens, d_in] f32 activations to encode (batches take its first rows,"
            + " repeated if short); default: random normal")
    Path activations;

    @Override
    public Integer call() throws IOException {
        SplittableRandom r = new SplittableRandom(1);
        Sae sae;
        if (saePath != null) {
            sae = SaeFormats.load(saePath);
            dIn = sae.dIn();
            dSae = sae.dSae();
            k = sae.config().k();
        } else {
            float s = (float) (1 / Math.sqrt(dIn));
            float[] wEnc = gauss(r, dIn * dSae, s), wDec = gauss(r, dSae * dIn, s);
            sae = Sae.create(new SaeConfig(Architecture.TOPK, dIn, dSae, k, true, Normalization.NONE, false, null, null, "bench"),
                    SaeWeights.of(wEnc, gauss(r, dSae, 0.1f), wDec, gauss(r, dIn, 0.1f)));
        }
        float[] acts = null;
        if (activations != null) {
            NpyArray a = NpyReader.read(activations);
            if (a.rank() != 2 || a.shape()[1] != dIn) {
                throw new IllegalArgumentException("--activations " + activations + " has shape " + java.util.Arrays.toString(a.shape())
                        + " but [tokens, " + dIn + "] is needed");
            }
            acts = a.data();
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int b : batches) {
            float[][] xs = new float[b][];
            for (int t = 0; t < b; t++) {
                if (acts == null) {
                    xs[t] = gauss(r, dIn, 1f);
                } else {
                    int row = t % (acts.length / dIn);
                    xs[t] = java.util.Arrays.copyOfRange(acts, row * dIn, (row + 1) * dIn);
                }
            }
            float[][] pre = new float[b][dSae];
            // The dense-then-select baseline is a top-k select, so it exists for TopK SAEs only.
            boolean topk = sae.config().architecture() == Architecture.TOPK;
            List<Runnable> paths = new ArrayList<>(List.of(() -> sae.encode(xs), () -> sae.encodeExact(xs, 0),
                    () -> sae.encodeScreened(xs, 0)));
            if (topk) paths.add(() -> denseThenSelect(sae, xs, pre));
            double[] rates = interleaved(b, paths);
            double fused = rates[0], exact = rates[1], screened = rates[2], dense = topk ? rates[3] : Double.NaN;
            int[] cands = sae.screenCandidates(xs, 0);
            double meanCands = java.util.Arrays.stream(cands).average().orElse(0);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("batch", b);
            row.put("fused_tokens_per_s", fused);
            row.put("exact_fused_tokens_per_s", exact);
            row.put("screened_tokens_per_s", screened);
            row.put("screen_candidates_per_token", meanCands);
            if (topk) row.put("dense_then_select_tokens_per_s", dense);
            rows.add(row);
            if (!json) {
                System.out.printf("batch %4d: encode %8.1f tok/s   exact fused %8.1f   int8-screened %8.1f   dense+select %8.1f"
                        + "   (screen keeps %.0f of %d latents per token)%n", b, fused, exact, screened, dense, meanCands, dSae);
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("d_in", dIn);
            out.put("d_sae", dSae);
            out.put("k", k);
            out.put("architecture", sae.config().architecture().toString());
            out.put("threads", Runtime.getRuntime().availableProcessors());
            out.put("results", rows);
            System.out.println(Json.write(out));
        }
        return 0;
    }

    /** The unfused path: every token's full pre-activation vector (same vectorised kernel), then a top-k select. */
    private static void denseThenSelect(Sae sae, float[][] xs, float[][] pre) {
        float[][] xp = new float[xs.length][sae.dIn()];
        for (int t = 0; t < xs.length; t++) sae.prepareInput(xs[t], xp[t]);
        FusedEncoder.rowDots(sae.weights().encoderRows(), sae.dIn(), sae.dSae(), xp, pre);
        float[] bEnc = sae.weights().bEnc();
        for (float[] p : pre) {
            LatentHeap h = new LatentHeap(sae.config().k());
            for (int j = 0; j < p.length; j++) h.offer(j, p[j] + bEnc[j]);
            h.toCode(NormState.IDENTITY);
        }
    }

    /** Rounds of every path in turn, a slice of the measuring time each; the median rate per path. On a shared
     *  machine whose load drifts, this keeps the paths' ratios fair (each sees the same mix of calm and busy). */
    private double[] interleaved(int tokens, List<Runnable> paths) {
        for (Runnable p : paths) warmUp(p);
        final int rounds = 5;
        double[][] r = new double[paths.size()][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < paths.size(); i++) r[i][round] = measure(tokens, paths.get(i), seconds / rounds);
        }
        double[] med = new double[paths.size()];
        for (int i = 0; i < med.length; i++) {
            java.util.Arrays.sort(r[i]);
            med[i] = r[i][rounds / 2];
        }
        return med;
    }

    private void warmUp(Runnable r) {
        // At least 3 runs and a fifth of the measuring time, so every path is JIT-compiled (and the int8 screening
        // copy built) before it is timed.
        long w0 = System.nanoTime();
        for (int i = 0; i < 3 || System.nanoTime() - w0 < (long) (seconds * 0.2e9); i++) r.run();
    }

    private static double measure(int tokens, Runnable r, double secs) {
        long n = 0, t0 = System.nanoTime();
        long limit = (long) (secs * 1e9);
        do {
            r.run();
            n++;
        } while (System.nanoTime() - t0 < limit);
        return n * tokens / ((System.nanoTime() - t0) / 1e9);
    }

    private static float[] gauss(SplittableRandom r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller; speed matters for the 37M-element matrices.
            double u = r.nextDouble(), v = r.nextDouble();
            a[i] = (float) (Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v)) * scale;
        }
        return a;
    }
}
