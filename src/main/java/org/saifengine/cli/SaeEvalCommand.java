package org.saifengine.cli;

import org.saifengine.io.Json;
import org.saifengine.model.HookPoint;
import org.saifengine.sae.Sae;
import org.saifengine.sae.format.SaeFormats;
import org.saifengine.sae.train.Corpus;
import org.saifengine.sae.train.SaeEvaluator;
import org.saifengine.sae.train.SaeMetrics;
import org.saifengine.sae.train.SaeTrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code engine sae eval}: FVU, L0, dead fraction and CE loss recovered of an SAE on the model. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate an SAE at a hook: fvu, l0, dead_fraction, ce_loss_recovered.")
public final class SaeEvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model: HF directory, .gguf file, or 'default'")
    String model;

    @Option(names = "--sae", required = true, description = "SAE: directory (any supported format) or default")
    String saePath;

    @Option(names = "--hook", description = "hook point (default: the one the SAE records)")
    String hook;

    @Option(names = "--text", description = "text or .jsonl files to evaluate on (default: model-generated text)")
    List<Path> text;

    @Option(names = "--generate-tokens", defaultValue = "20000", description = "tokens of model text to evaluate on when no --text is given")
    long generateTokens;

    @Option(names = "--context", defaultValue = "128")
    int context;

    @Option(names = "--max-tokens", defaultValue = "50000", description = "evaluate on at most this many tokens")
    long maxTokens;

    @Option(names = "--seed", defaultValue = "1234")
    long seed;

    @Option(names = "--dtype")
    String dtype;

    @Option(names = "--json")
    boolean json;

    @picocli.CommandLine.Mixin
    MemoryBudgetOption memory = new MemoryBudgetOption();

    @Override
    public Integer call() throws Exception {
        Path saeDir = SaeFormats.resolve(saePath);
        Sae sae = SaeFormats.load(saeDir, memory.budget());
        memory.loaded("the SAE", SaeFormats.heldBytes(saeDir));
        String h = hook != null ? hook : sae.config().hookName();
        if (h == null) throw new IllegalArgumentException("the SAE does not record its hook: give --hook");
        HookPoint hp = HookPoint.parse(h);
        try (LoadedModel lm = LoadedModel.open(model, dtype, new BackendOption(), memory)) {
            var tok = new TextPrompts(lm.files()).tokenizer();
            List<int[]> windows = new ArrayList<>();
            if (text != null) {
                for (Path f : text) windows.addAll(Corpus.windows(tok, Corpus.documents(f), context, 4));
            } else {
                windows.addAll(Corpus.generated(lm.model(), tok, generateTokens, context, seed, 16));
            }
            List<int[]> used = new ArrayList<>();
            long n = 0;
            for (int[] w : windows) {
                if (n >= maxTokens) break;
                used.add(w);
                n += w.length - 1;
            }
            SaeMetrics m = SaeEvaluator.evaluate(lm.model(), sae, hp, used);
            if (json) {
                System.out.println(Json.write(SaeTrainingRun.metricsJson(m, null, null)));
            } else {
                System.out.printf("fvu %.4f  l0 %.2f  dead_fraction %.4f  ce_loss_recovered %.4f (clean %.4f, recon %.4f, zero %.4f; %d tokens)%n",
                        m.fvu(), m.l0(), m.deadFraction(), m.ceLossRecovered(), m.ceClean(), m.ceReconstructed(), m.ceZeroAblation(), m.tokens());
            }
        }
        return 0;
    }
}
