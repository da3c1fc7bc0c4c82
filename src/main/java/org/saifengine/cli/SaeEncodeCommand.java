package org.saifengine.cli;

import org.saifengine.io.Json;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.Positions;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SparseCode;
import org.saifengine.sae.format.SaeFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code engine sae encode}: per token, its strongest SAE latents and their values. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Encode activations with an SAE and print each token's top latents.")
public final class SaeEncodeCommand implements Callable<Integer> {
    @Option(names = "--sae", required = true, description = "SAE: directory (SAELens, Gemma Scope, Llama Scope, sparsify), params.npz, or default")
    String saePath;

    @Option(names = "--activations", description = "[tokens, d_in] activations (.npy or .safetensors) to encode")
    Path activations;

    @Option(names = "--model", description = "model to run on --text: HF directory, .gguf file, or 'default'")
    String model;

    @Option(names = "--hook", description = "hook point to read with --model (default: the one the SAE records)")
    String hook;

    @Option(names = "--text", description = "text to run through --model")
    String text;

    @Option(names = "--dtype", description = "model weight dtype (f32 | bf16 | native)")
    String dtype;

    @Option(names = "--top", defaultValue = "0", description = "keep at most N latents per token (default: all active)")
    int top;

    @Option(names = "--decode", description = "also print each token's reconstruction")
    boolean decode;

    @Option(names = "--fold-dec-norm", description = "fold decoder row norms into the encoder first (as SAELens fold_W_dec_norm)")
    boolean foldDecNorm;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @picocli.CommandLine.Mixin
    MemoryBudgetOption memory = new MemoryBudgetOption();

    @Override
    public Integer call() throws Exception {
        if (top < 0) throw new IllegalArgumentException("--top must be >= 0, got " + top);
        if ((activations == null) == (model == null)) throw new IllegalArgumentException("give either --activations FILE or --model M --text T");
        Path saeDir = SaeFormats.resolve(saePath);
        Sae sae = SaeFormats.load(saeDir, memory.budget());
        memory.loaded("the SAE", SaeFormats.heldBytes(saeDir));
        if (foldDecNorm) sae.foldWDecNorm();
        float[][] xs;
        String[] tokenTexts = null;
        int[] ids = null;
        if (activations != null) {
            xs = ActivationFiles.read(activations);
        } else {
            if (text == null) throw new IllegalArgumentException("--model needs --text");
            String h = hook != null ? hook : sae.config().hookName();
            if (h == null) throw new IllegalArgumentException("the SAE does not record its hook: give --hook");
            HookPoint hp = HookPoint.parse(h);
            try (LoadedModel lm = LoadedModel.open(model, dtype, new BackendOption(), memory)) {
                Model m = lm.model();
                if (m.config().hiddenSize() != sae.dIn()) {
                    throw new IllegalArgumentException("the SAE reads d_in=" + sae.dIn() + " but the model's residual width is " + m.config().hiddenSize());
                }
                var tok = new TextPrompts(lm.files()).tokenizer();
                ids = tok.encode(text);
                if (ids.length > m.config().maxPositions()) {
                    throw new IllegalArgumentException("the text has " + ids.length + " tokens but the model's context is " + m.config().maxPositions());
                }
                xs = new float[ids.length][];
                float[][] captured = xs;
                Hooks hooks = Hooks.builder().capture(hp, Positions.all(), (seq, pos, x) -> captured[pos] = x.clone()).build();
                m.forward(List.of(new Model.Input(m.newSequence(ids.length), ids, hooks)), false);
                tokenTexts = new String[ids.length];
                for (int i = 0; i < ids.length; i++) tokenTexts[i] = tok.tokenText(ids[i]);
            }
        }
        SparseCode[] codes = sae.encode(xs, top);
        if (json) {
            List<Object> toks = new ArrayList<>();
            for (int t = 0; t < codes.length; t++) {
                Map<String, Object> m = new LinkedHashMap<>();
                if (ids != null) {
                    m.put("id", ids[t]);
                    m.put("token", tokenTexts[t]);
                }
                m.put("indices", codes[t].indices());
                m.put("values", codes[t].values());
                if (decode) m.put("reconstruction", sae.decode(codes[t]));
                toks.add(m);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("format", sae.config().format());
            out.put("architecture", sae.config().architecture().saeLensName);
            out.put("tokens", toks);
            System.out.println(Json.write(out));
        } else {
            for (int t = 0; t < codes.length; t++) {
                StringBuilder sb = new StringBuilder("token ").append(t);
                if (tokenTexts != null) sb.append(" ").append(Json.write(tokenTexts[t]));
                sb.append(':');
                for (int m = 0; m < codes[t].size(); m++) {
                    sb.append(String.format(" %d=%.4f", codes[t].indices()[m], codes[t].values()[m]));
                }
                System.out.println(sb);
            }
        }
        return 0;
    }
}
