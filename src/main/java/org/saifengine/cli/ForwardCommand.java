package org.saifengine.cli;

import org.saifengine.io.SafetensorsWriter;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.Positions;
import org.saifengine.tensor.Tensor;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs one forward pass and dumps logits and the residual stream, for oracle tests. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run one forward pass and write f32 tensors: logits [T,V], embed [T,d], resid_post.{l} [T,d].")
public final class ForwardCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model: HF directory, .gguf file, or default (the fetched SmolLM2-135M-Instruct)")
    String model;

    static final class Input {
        @Option(names = "--prompt", description = "prompt text (tokenized with the model's tokenizer)")
        String prompt;
        @Option(names = "--ids", description = "comma-separated token ids")
        String ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--dtype", description = "weight dtype for the matmuls: f32, bf16, or native (a GGUF's Q8_0/Q4_0/Q4_1 blocks as stored, CPU only; default: as stored)")
    String dtype;

    @Mixin
    BackendOption backend = new BackendOption();

    @Option(names = "--out", required = true, description = "output .safetensors file")
    Path out;

    @picocli.CommandLine.Mixin
    CheckFiniteOption finite = new CheckFiniteOption();

    @picocli.CommandLine.Mixin
    MemoryBudgetOption memory = new MemoryBudgetOption();

    @Override
    public Integer call() throws Exception {
        try (LoadedModel lm = LoadedModel.open(model, dtype, backend, memory)) {
            finite.apply(lm.model());
            Model m = lm.model();
            int[] ids = input.ids != null ? LoadedModel.parseIds(input.ids) : new TextPrompts(lm.files()).encode(input.prompt);
            int t = ids.length, d = m.config().hiddenSize(), layers = m.config().layers(), vocab = m.config().vocabSize();
            float[] embed = new float[t * d];
            float[][] resid = new float[layers][t * d];
            Hooks.Builder hooks = Hooks.builder();
            hooks.capture(HookPoint.residPre(0), Positions.all(), (s, pos, x) -> System.arraycopy(x, 0, embed, pos * d, d));
            for (int l = 0; l < layers; l++) {
                float[] dst = resid[l];
                hooks.capture(HookPoint.residPost(l), Positions.all(), (s, pos, x) -> System.arraycopy(x, 0, dst, pos * d, d));
            }
            float[] logits = m.forward(List.of(new Model.Input(m.newSequence(t), ids, hooks.build())), true)[0];
            try (Arena arena = Arena.ofConfined()) {
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                tensors.put("logits", Tensor.ofFloats(arena, logits, t, vocab));
                tensors.put("embed", Tensor.ofFloats(arena, embed, t, d));
                for (int l = 0; l < layers; l++) tensors.put("resid_post." + l, Tensor.ofFloats(arena, resid[l], t, d));
                SafetensorsWriter.write(out, tensors, Map.of("model", model, "ids", java.util.Arrays.toString(ids)));
            }
        }
        return 0;
    }
}
