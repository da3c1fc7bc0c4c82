package org.saifengine.cli;

import org.saifengine.model.HookPoint;
import org.saifengine.sae.train.SaeMetrics;
import org.saifengine.sae.train.SaeTrainingRun;
import org.saifengine.sae.train.TrainConfig;
import org.saifengine.sae.train.TrainingPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code engine sae train}: train a TopK SAE on the model's activations at a hook; writes SAELens format. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a TopK SAE (OpenAI/sparsify recipe) on activations streamed from the model.")
public final class SaeTrainCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model: HF directory, .gguf file, or 'default'")
    String model;

    @Option(names = "--hook", required = true, description = "hook point, e.g. blocks.3.hook_resid_post")
    String hook;

    @Option(names = "--d-sae", required = true, description = "number of latents")
    int dSae;

    @Option(names = "--k", required = true, description = "active latents per token")
    int k;

    @Option(names = "--out", required = true, description = "output directory (SAELens cfg.json + sae_weights.safetensors, metrics.json, checkpoint/)")
    Path out;

    @Option(names = "--tokens", defaultValue = "2000000", description = "training tokens (default ${DEFAULT-VALUE})")
    long tokens;

    @Option(names = "--batch-size", defaultValue = "1024", description = "tokens per step (default ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0", description = "peak learning rate (default: 2e-4 / sqrt(d_sae / 2^14))")
    double lr;

    @Option(names = "--context", description = "tokens per window, BOS included (default 128; with --activations, the collection's)")
    Integer context;

    @Option(names = "--corpus", description = "text or .jsonl files to read (default: ../shared wikitext, TinyStories sample, "
            + "IFEval prompts when present; with --activations, the collection's)")
    List<Path> corpus;

    @Option(names = "--generate-tokens", description = "tokens of model-generated text to add (default 100000; 0 with --activations)")
    Long generateTokens;

    @Option(names = "--activations", paramLabel = "DIR", description = "train on activations collected beforehand by "
            + "`sae collect` (in process or --spark) instead of running the model over the corpus; the model still gives "
            + "the tokenizer and the final eval")
    Path activations;

    @Option(names = "--eval-tokens", defaultValue = "20000", description = "held-out tokens for the final eval (default ${DEFAULT-VALUE})")
    long evalTokens;

    @Option(names = "--buffer-tokens", defaultValue = "262144", description = "activations shuffled at once (default ${DEFAULT-VALUE})")
    int bufferTokens;

    @Option(names = "--checkpoint-every", defaultValue = "500", description = "steps between checkpoints (default ${DEFAULT-VALUE})")
    long checkpointEvery;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Option(names = "--resume", description = "continue from OUT/checkpoint if present")
    boolean resume;

    @Option(names = "--dtype", description = "model weight dtype (f32 | bf16 | native)")
    String dtype;

    @Option(names = "--json", description = "print the final metrics as JSON on stdout")
    boolean json;

    @picocli.CommandLine.Mixin
    CheckFiniteOption finite = new CheckFiniteOption();

    @picocli.CommandLine.Mixin
    MemoryBudgetOption memory = new MemoryBudgetOption();

    @Override
    public Integer call() throws Exception {
        HookPoint hp = HookPoint.parse(hook);
        TrainConfig cfg = TrainConfig.defaults(dSae, k, tokens).withBatchSize(batchSize).withLr(lr).withSeed(seed);
        List<Path> files = corpus != null ? corpus : defaultCorpus();
        int ctx = context != null ? context : 128;
        if (activations != null) {  // the corpus and context the activations were collected from, unless given
            var m = org.saifengine.sae.train.ActivationShards.readManifest(activations);
            if (corpus == null) files = m.corpus().stream().map(Path::of).toList();
            if (context == null) ctx = m.context();
        }
        long generate = generateTokens != null ? generateTokens : activations != null ? 0 : 100_000;
        TrainingPlan plan = new TrainingPlan(hp, cfg, ctx, files, generate, evalTokens, Math.max(bufferTokens, batchSize),
                out, checkpointEvery, resume, activations);
        try (LoadedModel lm = LoadedModel.open(model, dtype, new BackendOption(), memory)) {
            finite.apply(lm.model());
            var tok = new TextPrompts(lm.files()).tokenizer();
            SaeTrainingRun.Result r = SaeTrainingRun.run(lm.model(), tok, model, plan, System.err);
            SaeMetrics m = r.metrics();
            if (m != null) {
                if (json) System.out.println(org.saifengine.io.Json.write(SaeTrainingRun.metricsJson(m, plan, null)));
                else System.out.printf("fvu %.4f  l0 %.2f  dead %.2f%%  ce_loss_recovered %.4f (clean %.4f, recon %.4f, zero %.4f)%n",
                        m.fvu(), m.l0(), 100 * m.deadFraction(), m.ceLossRecovered(), m.ceClean(), m.ceReconstructed(), m.ceZeroAblation());
            }
        }
        return 0;
    }

    /** The shared corpus files next to the project (../shared/data), when present. */
    static List<Path> defaultCorpus() {
        List<Path> out = new ArrayList<>();
        String env = System.getenv("SAIF_SHARED_DIR");
        Path shared = env != null ? Path.of(env) : Path.of("..", "shared");
        for (String rel : List.of("data/text/wikitext2_test.txt", "data/text/tinystories_sample.txt", "data/ifeval/input_data.jsonl")) {
            Path p = shared.resolve(rel);
            if (Files.isRegularFile(p)) out.add(p);
        }
        return out;
    }
}
