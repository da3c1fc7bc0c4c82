package org.saifengine.cli;

import org.saifengine.backend.cpu.MemoryBandwidth;
import org.saifengine.io.Json;
import org.saifengine.model.Generator;
import org.saifengine.model.Model;
import org.saifengine.model.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * CPU throughput of a model: prefill and decode tokens/s, and the decode floor (bytes of weights read per token
 * divided by the read bandwidth measured in the same run).
 */
@Command(name = "bench-cpu", mixinStandardHelpOptions = true,
        description = "Measure prefill/decode tokens/s on the CPU and the decode floor (weight bytes / memory bandwidth).")
public final class BenchCpuCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "model: HF directory, .gguf file, or default")
    String model;

    @Option(names = "--dtype", description = "weight dtype for the matmuls: f32 or bf16 (default: as stored)")
    String dtype;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "prefill length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "64", description = "decode steps (default: ${DEFAULT-VALUE})")
    int decodeTokens;

    @Option(names = "--runs", defaultValue = "3", description = "timed runs after one warm-up; the best is reported")
    int runs;

    @Override
    public Integer call() throws Exception {
        try (LoadedModel lm = LoadedModel.open(model, dtype)) {
            Model m = lm.model();
            var c = m.config();
            int[] prompt = new int[Math.min(promptTokens, c.maxPositions() - decodeTokens - 1)];
            for (int i = 0; i < prompt.length; i++) prompt[i] = 1 + (i * 7919) % (c.vocabSize() - 1);
            // Bytes read per decode token: every matrix once (the unembedding too; tied embeddings count once).
            long bytes = 0;
            for (var w : List.of(m.weights().unembedding)) bytes += (long) w.rows() * w.cols() * w.dtype().bytes;
            for (var l : m.weights().layers) {
                for (var w : List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down())) {
                    bytes += (long) w.rows() * w.cols() * w.dtype().bytes;
                }
            }
            Generator gen = new Generator(m, null, 512);
            Generator.Request req = Generator.Request.of(prompt, SamplingParams.greedy(), decodeTokens);
            gen.generate(List.of(req)); // warm-up (JIT)
            double bestPrefill = 0, bestDecode = 0;
            for (int r = 0; r < runs; r++) {
                Generator.Result res = gen.generate(List.of(req)).get(0);
                bestPrefill = Math.max(bestPrefill, prompt.length / (res.prefillNanos() / 1e9));
                bestDecode = Math.max(bestDecode, (res.generatedIds().length - 1) / (res.decodeNanos() / 1e9));
            }
            double bandwidth = MemoryBandwidth.measure(1L << 30, 5);
            double floor = bandwidth / bytes;
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", model);
            o.put("config", c.toString());
            o.put("backend", m.backend().name());
            o.put("cores", Runtime.getRuntime().availableProcessors());
            o.put("weight_bytes_per_token", bytes);
            o.put("prompt_tokens", prompt.length);
            o.put("prefill_tokens_per_s", bestPrefill);
            o.put("decode_tokens", decodeTokens);
            o.put("decode_tokens_per_s", bestDecode);
            o.put("memory_bandwidth_gb_per_s", bandwidth / 1e9);
            o.put("decode_floor_tokens_per_s", floor);
            o.put("decode_vs_floor", bestDecode / floor);
            spec.commandLine().getOut().println(Json.write(o));
        }
        return 0;
    }
}
