package org.saifengine.cli;

import org.saifengine.io.Json;
import org.saifengine.model.Generator;
import org.saifengine.model.Model;
import org.saifengine.model.SamplingParams;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** Generates a continuation of one prompt; streams text to the terminal, or prints one JSON object. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt (greedy unless --temperature > 0).")
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "model: HF directory, .gguf file, or default (the fetched SmolLM2-135M-Instruct)")
    String model;

    static final class Input {
        @Option(names = "--prompt", description = "prompt text")
        String prompt;
        @Option(names = "--prompt-ids", description = "comma-separated token ids, fed as given")
        String promptIds;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--chat", description = "wrap the prompt as a user message with the tokenizer's chat template")
    boolean chat;

    @Option(names = "--max-tokens", defaultValue = "64", description = "maximum new tokens (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens; 0 = off")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "nucleus sampling mass; 1 = off")
    float topP;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (same seed, same output)")
    long seed;

    @Option(names = "--stop", description = "stop when the output contains this text (repeatable)")
    List<String> stop;

    @Option(names = "--ignore-eos", description = "keep generating past end-of-sequence tokens")
    boolean ignoreEos;

    @Option(names = "--dtype", description = "weight dtype for the matmuls: f32, bf16, or native (a GGUF's Q8_0/Q4_0/Q4_1 blocks as stored, CPU only; default: as stored)")
    String dtype;

    @Mixin
    BackendOption backend = new BackendOption();

    @Option(names = "--json", description = "print {prompt_ids, generated_ids, text, timings} instead of streaming")
    boolean json;

    @picocli.CommandLine.Mixin
    CheckFiniteOption finite = new CheckFiniteOption();

    @picocli.CommandLine.Mixin
    MemoryBudgetOption memory = new MemoryBudgetOption();

    @Override
    public Integer call() throws Exception {
        SamplingParams sampling = new SamplingParams(temperature, topK, topP, seed);
        try (LoadedModel lm = LoadedModel.open(model, dtype, backend, memory)) {
            Model m = lm.model();
            finite.apply(m);
            TextPrompts text = new TextPrompts(lm.files());
            int[] prompt;
            if (input.promptIds != null) {
                if (chat) throw new IllegalArgumentException("--chat needs a text --prompt, not --prompt-ids");
                prompt = LoadedModel.parseIds(input.promptIds);
            } else {
                prompt = chat ? text.encodeChat(input.prompt) : text.encode(input.prompt);
            }
            Set<Integer> stopIds = new HashSet<>();
            if (!ignoreEos) {
                for (int id : m.config().eosIds()) stopIds.add(id);
                stopIds.addAll(text.eosIds());
            }
            java.io.PrintWriter out = spec.commandLine().getOut();
            var streamer = json ? null : text.streamer();
            Generator.Request req = Generator.Request.of(prompt, sampling, maxTokens)
                    .withStopIds(stopIds)
                    .withStopStrings(stop)
                    .withListener(json ? null : (seq, id) -> {
                        out.print(streamer.apply(id));
                        out.flush();
                    });
            Generator gen = new Generator(m, stop == null || stop.isEmpty() ? null : text.decoder());
            Generator.Result r = gen.generate(List.of(req)).get(0);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("prompt_ids", r.promptIds());
                o.put("generated_ids", r.generatedIds());
                o.put("text", text.decode(r.generatedIds()));
                o.put("stop_reason", r.stopReason().name().toLowerCase());
                Map<String, Object> t = new LinkedHashMap<>();
                int decoded = Math.max(0, r.generatedIds().length - 1); // the first token comes from the prefill
                t.put("prefill_tokens", r.promptIds().length);
                t.put("prefill_seconds", r.prefillNanos() / 1e9);
                t.put("prefill_tokens_per_s", r.promptIds().length / Math.max(1e-9, r.prefillNanos() / 1e9));
                t.put("decode_tokens", decoded);
                t.put("decode_seconds", r.decodeNanos() / 1e9);
                t.put("decode_tokens_per_s", decoded / Math.max(1e-9, r.decodeNanos() / 1e9));
                o.put("timings", t);
                out.println(Json.write(o));
            } else {
                out.println();
            }
        }
        return 0;
    }
}
