package org.saifengine.cli;

import org.saifengine.sae.format.SaeFormats;
import org.saifengine.saif.DistributedFind;
import org.saifengine.saif.EngineSession;
import org.saifengine.saif.FindPartial;
import org.saifengine.saif.FindRun;
import org.saifengine.saif.Placement;
import org.saifengine.saif.ReadPosition;
import org.saifengine.saif.SaeDictionary;
import org.saifengine.saif.SaifParams;
import org.saifengine.saif.Task;
import org.saifengine.saif.TaskContents;
import org.saifengine.saif.TaskSuite;
import org.saifengine.steer.Positions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code engine saif find}: scores every SAE latent on positives vs negatives and selects the instruction latents. */
@Command(name = "find", mixinStandardHelpOptions = true,
        description = "Run positives (content + instruction variant) and negatives (content only) of a task, score the "
                + "SAE latents and select the instruction latents. Writes config.json, latents.json, "
                + "directions.safetensors and find-report.html in --out.")
public final class SaifFindCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model: HF directory, .gguf file, or 'default'")
    String model;
    @Option(names = "--sae", required = true, description = "SAE directory (SAELens, sparsify, Llama Scope, Gemma Scope)")
    String sae;
    @Option(names = "--task", required = true, description = "built-in task (translate-fr, translate-es, summary, keywords, "
            + "lowercase, capitals, json, no-commas, concept-she) or a task .json file")
    String task;
    @Option(names = "--out", required = true, description = "run directory to write")
    Path out;
    @Option(names = "--sae-layer", defaultValue = "-1", description = "layer the SAE reads, when its files do not say")
    int saeLayer;
    @Option(names = "--k", defaultValue = "10", description = "latents selected (default: ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--tau", defaultValue = "0.5", description = "minimum consistency (default: ${DEFAULT-VALUE})")
    double tau;
    @Option(names = "--rho", defaultValue = "0.2", description = "maximum firing frequency on negatives (default: ${DEFAULT-VALUE})")
    double rho;
    @Option(names = "--active-threshold", defaultValue = "0", description = "a latent fires above this (default: ${DEFAULT-VALUE})")
    double activeThreshold;
    @Option(names = "--rank-by", defaultValue = "sensitivity", description = "sensitivity or standardized (default: ${DEFAULT-VALUE})")
    String rankBy;
    @Option(names = "--placement", defaultValue = "post", description = "instruction pre or post the content (default: ${DEFAULT-VALUE})")
    String placement;
    @Option(names = {"--read", "--read-position"}, defaultValue = "last", description = "where latents are read: last (prompt token), "
            + "instruction-mean (mean over the instruction's tokens; content tokens for negatives) or prompt-mean (default: ${DEFAULT-VALUE})")
    String readPosition;
    @Option(names = "--discovery", defaultValue = "40", description = "discovery contents used, 0 = all (default: ${DEFAULT-VALUE})")
    int discovery;
    @Option(names = "--alpha", defaultValue = "4", description = "steering strength stored for steer/eval (default: ${DEFAULT-VALUE})")
    double alpha;
    @Option(names = "--layer", defaultValue = "-1", description = "steering layer, -1 = the SAE's layer (default: ${DEFAULT-VALUE})")
    int layer;
    @Option(names = "--positions", defaultValue = "all", description = "steered positions: all, prompt, generated, from-step (default: ${DEFAULT-VALUE})")
    String positions;
    @Option(names = "--from-step", defaultValue = "0", description = "first steered generation step for --positions from-step")
    int fromStep;
    @Option(names = "--renormalize", description = "rescale each steered position to its pre-steering norm")
    boolean renormalize;
    @Option(names = "--dom-strength", description = "difference-of-means strength w (default: the SAIF vector's norm)")
    Double domStrength;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the random control and sampling (default: ${DEFAULT-VALUE})")
    long seed;
    @picocli.CommandLine.Mixin
    SparkOption spark = new SparkOption();

    @picocli.CommandLine.Mixin
    CheckFiniteOption finite = new CheckFiniteOption();

    @picocli.CommandLine.Mixin
    MemoryBudgetOption memory = new MemoryBudgetOption();

    @Override
    public Integer call() throws Exception {
        DistributedFind distributed = spark.master() != null ? DistributedFind.load() : null;  // fails first, and clearly, without the module
        int partitions = spark.partitions();
        SaifParams p = new SaifParams(k, tau, rho, activeThreshold,
                SaifParams.RankBy.valueOf(rankBy.toUpperCase(Locale.ROOT)), Placement.parse(placement),
                ReadPosition.parse(readPosition), discovery, alpha, layer, Positions.parse(positions), fromStep, renormalize,
                domStrength == null ? Double.NaN : domStrength, seed);
        Task t = TaskSuite.load(task);
        TaskContents contents = TaskContents.load(t);
        SaeDictionary dict = SaeDictionary.load(Path.of(sae), saeLayer, memory.budget());
        memory.loaded("the SAE", SaeFormats.heldBytes(Path.of(sae)));
        if (distributed != null) {
            var job = new DistributedFind.Job(SaifSources.absolute(model), SaifSources.absolute(sae), saeLayer,
                    SaifSources.absolute(task), p, partitions, out.toAbsolutePath().normalize().toString());
            FindPartial acc = distributed.collect(spark.master(), job);
            report(FindRun.write(acc, dict, t, contents, p, SaifSources.sources(model, sae, saeLayer), out));
            return 0;
        }
        try (EngineSession lm = SaifSources.openModel(model, memory.budget())) {
            finite.apply(lm.model());
            report(FindRun.run(lm, dict, t, contents, p, SaifSources.sources(model, sae, saeLayer), out));
        }
        return 0;
    }

    private void report(FindRun.Result r) {
        System.out.printf(Locale.ROOT, "%d positives, %d negatives; selected %d latents: %s%n", r.scores().nPositives(),
                r.scores().nNegatives(), r.selected().size(), r.selected());
        System.out.println("run: " + out.toAbsolutePath() + " (latents.json, find-report.html)");
    }
}
