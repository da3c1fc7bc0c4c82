package org.saifengine.cli;

import org.saifengine.backend.cpu.MemoryBandwidth;
import org.saifengine.io.Json;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.ModelConfig;
import org.saifengine.model.Positions;
import org.saifengine.model.Sequence;
import org.saifengine.sae.Architecture;
import org.saifengine.sae.Normalization;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;
import org.saifengine.sae.format.SaeFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;

/**
 * {@code engine bench}: what a performance engineer compares us on, measured in one JVM. Each case runs
 * {@code --warmup} times untimed (JIT), then {@code --runs} times; the median, min and max of the runs are reported.
 * <ul>
 *   <li>prefill and decode tokens/s at batch 1 and at batch {@code --batch} (all sequences in one forward call),
 *       and time to first token (prefill of the prompt plus the first token's logits, batch 1);</li>
 *   <li>SAE encode tokens/s (fused encode + top-k) at batch 1 and {@code --sae-batch}, on {@code --sae} or a
 *       random TopK SAE of width {@code --sae-width} over the model's d_model;</li>
 *   <li>steering overhead: batch-1 decode with a steering vector added at the last layer's residual stream vs
 *       without, in pairs of steps at the same position (the median pair difference over the median plain step,
 *       so load that drifts over seconds cancels), and the heap bytes each allocates per step;</li>
 *   <li>peak RSS (VmHWM), weight and KV-cache bytes, read bandwidth and the decode floor it implies.</li>
 * </ul>
 * Token ids are fixed pseudo-random ones and decode feeds back the argmax, so runs are repeatable.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prefill/decode tokens/s (batch 1 and N), time to first token, SAE encode tokens/s,"
                + " steering overhead, peak RSS and the decode floor (weight bytes / memory bandwidth).")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "model: HF directory, .gguf file, or default")
    String model;

    @Option(names = "--dtype", description = "weight dtype for the matmuls: f32, bf16, or native (a GGUF's Q8_0/Q4_0/Q4_1 blocks as stored, CPU only; default: as stored)")
    String dtype;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "prefill length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "64", description = "decode steps per run (default: ${DEFAULT-VALUE})")
    int decodeTokens;

    @Option(names = "--batch", defaultValue = "8", description = "sequences in the batched case (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed runs per case (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--runs", defaultValue = "5", description = "timed runs per case (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--sae", description = "an SAE (any format `sae encode` reads) whose d_in matches the model's d_model")
    Path saePath;

    @Option(names = "--sae-width", defaultValue = "16384", description = "width of the random TopK SAE when no --sae (default: ${DEFAULT-VALUE})")
    int saeWidth;

    @Option(names = "--sae-k", defaultValue = "64", description = "k of the random TopK SAE (default: ${DEFAULT-VALUE})")
    int saeK;

    @Option(names = "--sae-batch", defaultValue = "256", description = "tokens per SAE encode call in the batched case (default: ${DEFAULT-VALUE})")
    int saeBatch;

    @Option(names = "--bandwidth-mib", defaultValue = "1024", description = "buffer for the read-bandwidth measurement, 0 to skip (default: ${DEFAULT-VALUE})")
    int bandwidthMib;

    @Option(names = "--only", split = ",", description = "run only these parts: single (batch 1, TTFT), batch, steering, sae,"
            + " bandwidth (default: all)")
    List<String> only;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "also write the results to this JSON file, rewritten "
            + "after each part: a bench killed half-way is resumed by rerunning the same command (the parts in FILE are "
            + "kept, the others measured); other settings are refused")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || warmup < 0 || batch < 1 || decodeTokens < 1 || promptTokens < 1 || saeBatch < 1 || saeWidth < 1) {
            throw new IllegalArgumentException("--runs, --batch, --decode-tokens, --prompt-tokens, --sae-batch and --sae-width must be >= 1, --warmup >= 0");
        }
        List<String> parts = List.of("single", "batch", "steering", "sae", "bandwidth");
        if (only != null) {
            for (String p : only) if (!parts.contains(p)) throw new IllegalArgumentException("--only: unknown part '" + p + "'; use " + parts);
        }
        BenchResultsFile saved = out == null ? null : BenchResultsFile.open(out, settings());
        if (saved != null && saved.results() != null) {
            System.err.println("bench: " + out + " is complete; printing it (delete it to measure again)");
            print(saved.results());
            return 0;
        }
        if (saved != null && !saved.partsDone().isEmpty())
            System.err.println("bench: resuming " + out + "; kept: " + String.join(", ", saved.partsDone()));
        Map<String, Object> o = new LinkedHashMap<>();
        try (LoadedModel lm = LoadedModel.open(model, dtype)) {
            Model m = lm.model();
            ModelConfig c = m.config();
            int capacity = Math.min(c.maxPositions(), promptTokens + decodeTokens + 1);
            int prompt = capacity - decodeTokens - 1;
            if (prompt < 1) throw new IllegalArgumentException("--decode-tokens " + decodeTokens + " leaves no room for a prompt in "
                    + c.maxPositions() + " positions");
            long matrixBytes = bytesReadPerToken(m), weightBytes = weightBytes(m);
            long kvBytesPerSeq = 2L * c.layers() * capacity * c.kvDim() * Float.BYTES;

            o.put("model", model);
            o.put("config", c.toString());
            o.put("backend", m.backend().name());
            o.put("threads", Runtime.getRuntime().availableProcessors());
            o.put("weight_dtype", m.weights().layers[0].wq().dtype().toString());
            o.put("weight_bytes", weightBytes);
            o.put("weight_bytes_read_per_token", matrixBytes);
            o.put("prompt_tokens", prompt);
            o.put("decode_tokens", decodeTokens);
            o.put("batch", batch);
            o.put("warmup", warmup);
            o.put("runs", runs);

            Runner one = new Runner(m, 1, prompt, capacity);
            boolean[] oneWarm = {false};
            part("single", o, saved, into -> {
                measure(one::prefill, one::decode);
                oneWarm[0] = true;
                List<Double> ttft = new ArrayList<>(), prefill1 = new ArrayList<>(), decode1 = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    double t = one.prefill();
                    ttft.add(t * 1e3);
                    prefill1.add(prompt / t);
                    decode1.add(decodeTokens / one.decode());
                }
                into.put("prefill_tokens_per_s", stats(prefill1));
                into.put("decode_tokens_per_s", stats(decode1));
                into.put("time_to_first_token_ms", stats(ttft));
                // Measured before the batch and SAE parts allocate more: the footprint of batch-1 generation.
                long peak1 = peakRssBytes();
                into.put("peak_rss_bytes_batch_1", peak1);
                into.put("peak_rss_batch_1_over_weights_plus_kv", peak1 > 0 ? (double) peak1 / (weightBytes + kvBytesPerSeq) : null);
            });

            part("batch", o, saved, into -> {
                Runner many = new Runner(m, batch, prompt, capacity);
                measure(many::prefill, many::decode);
                List<Double> prefillN = new ArrayList<>(), decodeN = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    prefillN.add((double) batch * prompt / many.prefill());
                    decodeN.add((double) batch * decodeTokens / many.decode());
                }
                into.put("prefill_batch_tokens_per_s", stats(prefillN));
                into.put("decode_batch_tokens_per_s", stats(decodeN));
            });

            part("steering", o, saved, into -> {
                // Steering: the same batch-1 decode (same prompt, same argmax feedback) with x += 4 * v at the last
                // block's output on every position. Both are warmed up, then timed in alternation so that drift and
                // other processes' load hit both alike; the medians are compared.
                float[] v = gauss(new SplittableRandom(3), c.hiddenSize(), 1f);
                Hooks steer = Hooks.builder().add(new HookPoint(c.layers() - 1, HookPoint.Kind.RESID_POST), Positions.from(0), v, 4f).build();
                Runner steered = new Runner(m, 1, prompt, capacity).withHooks(steer);
                if (!oneWarm[0]) measure(one::prefill, one::decode);
                measure(steered::prefill, steered::decode);
                // Steps are paired: one plain step, then the steered step at the same position (order alternating),
                // so load that changes over seconds cancels in each pair's difference; the overhead is the median
                // difference over the median plain step.
                List<Double> plainStep = new ArrayList<>(), steerStep = new ArrayList<>(), diff = new ArrayList<>();
                List<Double> plainAlloc = new ArrayList<>(), steerAlloc = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    one.prefill();
                    steered.prefill();
                    for (int i = 0; i < decodeTokens; i++) {
                        double p, q;
                        if (i % 2 == 0) {
                            p = one.step();
                            q = steered.step();
                        } else {
                            q = steered.step();
                            p = one.step();
                        }
                        plainStep.add(p * 1e3);
                        steerStep.add(q * 1e3);
                        diff.add((q - p) * 1e3);
                    }
                    one.prefill();
                    one.decode();
                    plainAlloc.add((double) one.allocatedBytes / decodeTokens);
                    steered.prefill();
                    steered.decode();
                    steerAlloc.add((double) steered.allocatedBytes / decodeTokens);
                }
                Map<String, Object> st = new LinkedHashMap<>();
                st.put("decode_step_ms", stats(plainStep));
                st.put("steered_decode_step_ms", stats(steerStep));
                st.put("paired_difference_ms", stats(diff));
                st.put("overhead_percent", 100 * median(diff) / median(plainStep));
                // Heap bytes the calling thread allocates per decode step (logits array, forward's small index
                // arrays): the steering hook itself should add nothing to it.
                if (!plainAlloc.contains(-1.0)) {
                    st.put("allocated_bytes_per_step", median(plainAlloc));
                    st.put("steered_allocated_bytes_per_step", median(steerAlloc));
                }
                st.put("hook", "blocks." + (c.layers() - 1) + ".hook_resid_post, every position");
                into.put("steering", st);
            });

            part("sae", o, saved, into -> into.put("sae", saeBench(c.hiddenSize())));

            long peak = peakRssBytes();
            o.put("kv_cache_bytes_batch_1", kvBytesPerSeq);
            o.put("weights_plus_kv_bytes_batch_1", weightBytes + kvBytesPerSeq);
            o.put("peak_rss_bytes", peak);
            o.put("memory", memoryBreakdown());

            if (bandwidthMib > 0) part("bandwidth", o, saved, into -> {
                double bandwidth = MemoryBandwidth.measure((long) bandwidthMib << 20, 5);
                double floor = bandwidth / matrixBytes;
                into.put("memory_bandwidth_gb_per_s", bandwidth / 1e9);
                into.put("decode_floor_tokens_per_s", floor);
            });
            if (o.get("decode_tokens_per_s") instanceof Map<?, ?> decode && o.get("decode_floor_tokens_per_s") instanceof Number floor)
                o.put("decode_vs_floor", ((Number) decode.get("median")).doubleValue() / floor.doubleValue());
        }
        if (saved != null) saved.complete(o);
        print(o);
        return 0;
    }

    private void print(Map<String, Object> o) {
        if (json) {
            spec.commandLine().getOut().println(Json.write(o));
        } else {
            for (var e : o.entrySet()) spec.commandLine().getOut().printf("%-32s %s%n", e.getKey(), e.getValue());
        }
    }

    /** What a measurement of one part puts into the results. */
    private interface PartBody {
        void measure(Map<String, Object> into) throws IOException;
    }

    /**
     * Runs a wanted part, or takes its results from --out when an interrupted run finished it; each part measured
     * here is saved there at once. Peak RSS and the memory breakdown are this process's, so they are not kept.
     */
    private void part(String name, Map<String, Object> o, BenchResultsFile saved, PartBody body) throws IOException {
        if (!wanted(name)) return;
        Map<String, Object> done = saved == null ? null : saved.part(name);
        if (done == null) {
            done = new LinkedHashMap<>();
            body.measure(done);
            if (saved != null) saved.savePart(name, done);
        }
        o.putAll(done);
    }

    /** The options that shape the measurements: a resumed --out file must have been made with the same. */
    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("model", model);
        s.put("dtype", dtype);
        s.put("prompt_tokens", promptTokens);
        s.put("decode_tokens", decodeTokens);
        s.put("batch", batch);
        s.put("warmup", warmup);
        s.put("runs", runs);
        s.put("sae", saePath == null ? null : saePath.toAbsolutePath().normalize().toString());
        s.put("sae_width", saeWidth);
        s.put("sae_k", saeK);
        s.put("sae_batch", saeBatch);
        s.put("bandwidth_mib", bandwidthMib);
        s.put("only", only);
        return s;
    }

    private boolean wanted(String part) {
        return only == null || only.contains(part);
    }

    /** One warm-up pass of each phase, --warmup times. */
    private void measure(DoubleSupplier prefill, DoubleSupplier decode) {
        for (int w = 0; w < warmup; w++) {
            prefill.getAsDouble();
            decode.getAsDouble();
        }
    }

    private Map<String, Object> saeBench(int dIn) throws IOException {
        Sae sae;
        if (saePath != null) {
            if (!Files.exists(saePath)) throw new IllegalArgumentException("--sae " + saePath + " does not exist");
            sae = SaeFormats.load(saePath);
            if (sae.dIn() != dIn) {
                throw new IllegalArgumentException("--sae has d_in " + sae.dIn() + " but the model's d_model is " + dIn);
            }
        } else {
            SplittableRandom r = new SplittableRandom(1);
            float s = (float) (1 / Math.sqrt(dIn));
            sae = Sae.create(new SaeConfig(Architecture.TOPK, dIn, saeWidth, Math.min(saeK, saeWidth), true, Normalization.NONE,
                            false, null, null, "bench"),
                    SaeWeights.of(gauss(r, dIn * saeWidth, s), gauss(r, saeWidth, 0.1f), gauss(r, saeWidth * dIn, s), gauss(r, dIn, 0.1f)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", saePath == null ? "random TopK" : saePath.toString());
        out.put("d_in", sae.dIn());
        out.put("d_sae", sae.dSae());
        SplittableRandom r = new SplittableRandom(2);
        for (int b : new int[] {1, saeBatch}) {
            float[][] xs = new float[b][];
            for (int t = 0; t < b; t++) xs[t] = gauss(r, dIn, 1f);
            // At least ~0.2 s of encoding per timed run so batch 1 is not a single microsecond-scale call.
            long t0 = System.nanoTime();
            sae.encode(xs);
            int reps = (int) Math.max(1, Math.min(10_000, 0.2e9 / Math.max(1, System.nanoTime() - t0)));
            DoubleSupplier run = () -> {
                long s0 = System.nanoTime();
                for (int i = 0; i < reps; i++) sae.encode(xs);
                return (double) reps * b / ((System.nanoTime() - s0) / 1e9);
            };
            for (int w = 0; w < warmup; w++) run.getAsDouble();
            List<Double> rates = new ArrayList<>();
            for (int i = 0; i < runs; i++) rates.add(run.getAsDouble());
            out.put("encode_tokens_per_s_batch_" + b, stats(rates));
        }
        return out;
    }

    /** Sequences with fixed prompts; prefill and decode return seconds. */
    private static final class Runner {
        final Model m;
        final Sequence[] seqs;
        final int[][] prompts;
        final int[] next;
        Hooks hooks;
        /** Heap bytes the last decode() allocated on the calling thread (-1: unknown). */
        long allocatedBytes;

        Runner(Model m, int n, int prompt, int capacity) {
            this.m = m;
            int vocab = m.config().vocabSize();
            seqs = new Sequence[n];
            prompts = new int[n][prompt];
            next = new int[n];
            for (int s = 0; s < n; s++) {
                seqs[s] = m.newSequence(capacity);
                for (int i = 0; i < prompt; i++) prompts[s][i] = 1 + (int) ((i * 7919L + s * 104729L) % (vocab - 1));
            }
        }

        Runner withHooks(Hooks h) {
            hooks = h;
            return this;
        }

        double prefill() {
            List<Model.Input> in = new ArrayList<>();
            for (int s = 0; s < seqs.length; s++) {
                seqs[s].truncate(0);
                in.add(new Model.Input(seqs[s], prompts[s], hooks));
            }
            long t0 = System.nanoTime();
            float[][] logits = m.forward(in, false);
            for (int s = 0; s < seqs.length; s++) next[s] = argmax(logits[s]);
            return (System.nanoTime() - t0) / 1e9;
        }

        /** One decode step of every sequence (feeding back the argmax); returns seconds. */
        double step() {
            long t0 = System.nanoTime();
            List<Model.Input> in = new ArrayList<>();
            for (int s = 0; s < seqs.length; s++) in.add(new Model.Input(seqs[s], new int[] {next[s]}, hooks));
            float[][] logits = m.forward(in, false);
            for (int s = 0; s < seqs.length; s++) next[s] = argmax(logits[s]);
            return (System.nanoTime() - t0) / 1e9;
        }

        /** Decode steps after prefill (the sequences must hold exactly the prompt). */
        double decode() {
            int steps = seqs[0].capacity() - seqs[0].length() - 1;
            long a0 = threadAllocatedBytes();
            long t0 = System.nanoTime();
            for (int step = 0; step < steps; step++) step();
            double seconds = (System.nanoTime() - t0) / 1e9;
            long a1 = threadAllocatedBytes();
            allocatedBytes = a0 < 0 || a1 < 0 ? -1 : a1 - a0;
            return seconds;
        }
    }

    /** Heap bytes allocated so far by the calling thread, or -1 where the JVM cannot tell. */
    static long threadAllocatedBytes() {
        if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getCurrentThreadAllocatedBytes();
        }
        return -1;
    }

    /**
     * Where the resident memory is now: anonymous (weights copied at load, Java heap, JIT code, metaspace, KV cache)
     * and file-backed (mapped weights, the JVM's own libraries and class-data archive) pages from /proc/self/status,
     * and the JVM's view of its heap and non-heap pools.
     */
    static Map<String, Object> memoryBreakdown() {
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            // One read of the file, so the three numbers describe the same moment.
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
            for (String[] f : new String[][] {{"VmRSS:", "rss_bytes"}, {"RssAnon:", "rss_anon_bytes"}, {"RssFile:", "rss_file_bytes"}}) {
                for (String line : status) {
                    if (line.startsWith(f[0])) out.put(f[1], Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no /proc: the JVM's own numbers below still say something
        }
        var mem = java.lang.management.ManagementFactory.getMemoryMXBean();
        out.put("heap_used_bytes", mem.getHeapMemoryUsage().getUsed());
        out.put("heap_committed_bytes", mem.getHeapMemoryUsage().getCommitted());
        out.put("non_heap_committed_bytes", mem.getNonHeapMemoryUsage().getCommitted());
        out.put("gc", java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName).toList());
        return out;
    }

    static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
        return best;
    }

    /** Bytes of weight matrices read per decoded token: every matrix once (tied embeddings count once). */
    static long bytesReadPerToken(Model m) {
        long bytes = bytes(m.weights().unembedding);
        for (var l : m.weights().layers) {
            for (var w : List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down())) bytes += bytes(w);
        }
        return bytes;
    }

    /** The matrices plus an untied embedding table. */
    static long weightBytes(Model m) {
        long b = bytesReadPerToken(m);
        if (m.weights().embedding != m.weights().unembedding) b += bytes(m.weights().embedding);
        return b;
    }

    private static long bytes(org.saifengine.backend.Weight w) {
        return w.dtype().byteSize((long) w.rows() * w.cols());
    }

    static Map<String, Object> stats(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("median", median(xs));
        o.put("min", s[0]);
        o.put("max", s[s.length - 1]);
        return o;
    }

    static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Peak resident set size of this process (VmHWM), or -1 where /proc is absent. */
    static long peakRssBytes() {
        return procStatusBytes("VmHWM:");
    }

    /** A kB field of /proc/self/status in bytes, or -1 where /proc or the field is absent. */
    static long procStatusBytes(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
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
