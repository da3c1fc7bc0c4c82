package org.saifengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.AtomicFiles;
import org.saifengine.io.Json;
import org.saifengine.sae.format.SaeFormats;
import org.saifengine.saif.EngineSession;
import org.saifengine.saif.EvalParams;
import org.saifengine.saif.EvalReport;
import org.saifengine.saif.DistributedEval;
import org.saifengine.saif.EvalRun;
import org.saifengine.saif.Explain;
import org.saifengine.saif.RunFiles;
import org.saifengine.saif.SaeDictionary;
import org.saifengine.saif.SaifParams;
import org.saifengine.saif.SaifRun;
import org.saifengine.saif.Task;
import org.saifengine.saif.TaskContents;
import org.saifengine.saif.TaskSuite;
import org.saifengine.saif.judge.HttpJudge;
import org.saifengine.saif.judge.Judge;
import org.saifengine.saif.judge.ModelJudge;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code engine saif eval}: every condition and sweep on the held-out contents; resumable. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate on the held-out contents: no instruction, instruction pre/post, SAIF steering without "
                + "and with the instruction, difference of means, random latents, and sweeps over k, alpha and layer. "
                + "Appends results.jsonl (rerun to resume), then writes summary.json and report.html.")
public final class SaifEvalCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, description = "run directory of saif find")
    Path run;
    @Option(names = "--contents", defaultValue = "20", description = "held-out contents evaluated (default: ${DEFAULT-VALUE})")
    int contents;
    @Option(names = "--max-tokens", defaultValue = "64", description = "tokens per generation (default: ${DEFAULT-VALUE})")
    int maxTokens;
    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature;
    @Option(names = "--batch", defaultValue = "8", description = "generations per batch (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--k-values", defaultValue = "1,2,5,10,20", split = ",", description = "k sweep (default: ${DEFAULT-VALUE})")
    List<Integer> kValues;
    @Option(names = "--alpha-values", defaultValue = "0.5,1,2,4,8", split = ",", description = "alpha sweep (default: ${DEFAULT-VALUE})")
    List<Double> alphaValues;
    @Option(names = "--layer-values", defaultValue = "all", description = "layer sweep: all, none, or a comma list (default: ${DEFAULT-VALUE})")
    String layerValues;
    @Option(names = "--no-sweeps", description = "only the main conditions")
    boolean noSweeps;
    @Option(names = "--alpha", description = "SAIF strength (default: the run's)")
    Double alpha;
    @Option(names = "--k", description = "latents (default: the run's)")
    Integer k;
    @Option(names = "--bootstrap", defaultValue = "1000", description = "bootstrap resamples (default: ${DEFAULT-VALUE})")
    int bootstrap;
    @Option(names = "--stop-after", defaultValue = "0", description = "stop after about this many new rows (0 = run to the end)")
    int stopAfter;
    @Option(names = "--model", description = "model to use instead of the one in the run's config")
    String model;
    @Option(names = "--sae", description = "SAE to use instead of the one in the run's config (for the random control)")
    String sae;

    @Option(names = "--judge", paramLabel = "MODEL", description = "also judge every output with this model run by the engine "
            + "(HF directory, .gguf file or 'default'), prompt in saif/judge-prompt.txt")
    String judgeModel;
    @Option(names = "--judge-url", paramLabel = "URL", description = "also judge every output with an OpenAI-compatible chat "
            + "endpoint (http://host:port, .../v1 or .../v1/chat/completions; key from SAIF_JUDGE_API_KEY or OPENAI_API_KEY)")
    String judgeUrl;
    @Option(names = "--judge-model", paramLabel = "NAME", description = "model name for --judge-url (default: the one model "
            + "the endpoint lists; e.g. gpt-4o-mini, the paper's judge)")
    String judgeModelName;
    @Option(names = "--judge-max-tokens", defaultValue = "32", description = "cap on each judge answer (default: ${DEFAULT-VALUE})")
    int judgeMaxTokens;

    @picocli.CommandLine.Mixin
    SparkOption spark = new SparkOption();

    @picocli.CommandLine.Mixin
    CheckFiniteOption finite = new CheckFiniteOption();

    @picocli.CommandLine.Mixin
    MemoryBudgetOption memory = new MemoryBudgetOption();

    @Override
    public Integer call() throws Exception {
        DistributedEval distributed = spark.master() != null ? DistributedEval.load() : null;  // fails first without the module
        int partitions = spark.partitions();
        SaifRun r = SaifRun.open(run);
        SaifParams p = r.params();
        if (alpha != null || k != null) {
            ObjectNode j = p.toJson();
            if (alpha != null) j.put("alpha", alpha);
            if (k != null) j.put("k", k);
            p = SaifParams.fromJson(j);
        }
        List<Integer> layers = new ArrayList<>();
        if (!noSweeps && !layerValues.equals("none")) {
            if (layerValues.equals("all")) layers.add(-1);
            else for (String s : layerValues.split(",")) layers.add(parseInt(s, "--layer-values"));
        }
        EvalParams ep = new EvalParams(contents, maxTokens, temperature, batch, noSweeps ? List.of() : kValues,
                noSweeps ? List.of() : alphaValues, layers, bootstrap, stopAfter);
        if (judgeModel != null && judgeUrl != null) throw new IllegalArgumentException("pass --judge or --judge-url, not both");
        if (judgeModelName != null && judgeUrl == null) throw new IllegalArgumentException("--judge-model needs --judge-url");
        Task task = TaskSuite.load(r.task());
        TaskContents split = TaskContents.load(task);
        SaeDictionary dict = SaifSources.openSae(r, sae, memory.budget());
        memory.loaded("the SAE", SaeFormats.heldBytes(Path.of(sae != null ? sae : SaifSources.source(r, "sae"))));
        try (EngineSession lm = SaifSources.openModel(r, model, memory.budget()); Judge judge = openJudge()) {
            finite.apply(lm.model());
            EvalRun.Setup setup = EvalRun.setup(r, task, split, p, ep, dict);
            EvalRun.BatchSource source = null;
            if (distributed != null) {
                var job = new DistributedEval.Job(run.toAbsolutePath().toString(),
                        SaifSources.absolute(model != null ? model : SaifSources.source(r, "model")),
                        SaifSources.absolute(sae != null ? sae : SaifSources.source(r, "sae")),
                        r.config().path("sources").path("sae_layer_override").asInt(-1), p, ep, partitions);
                source = new EvalRun.BatchSource() {
                    int first = -1;
                    List<String> outs;

                    @Override
                    public List<String> outputs(int start, int end) {
                        if (outs == null) {  // one Spark job for every batch left, on the first batch asked for
                            first = start;
                            try {
                                outs = distributed.generate(spark.master(), job, start);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                        return outs.subList(start - first, end - first);
                    }
                };
            }
            boolean complete = EvalRun.run(setup, lm, source, judge);
            ObjectNode summary = EvalRun.summarize(setup, lm);
            List<JsonNode> rows = new ArrayList<>();
            for (String line : Files.readAllLines(run.resolve(RunFiles.RESULTS))) if (!line.isEmpty()) rows.add(Json.parse(line, "results.jsonl"));
            Explain.Result ex = r.ranking().isEmpty() ? null : Explain.compute(r, task, lm, 10);
            AtomicFiles.writeString(run.resolve(RunFiles.REPORT), EvalReport.render(setup, summary, ex, rows));
            System.out.print(EvalRun.table(summary));
            if (!complete) System.out.println("stopped after " + summary.path("rows").asInt() + " of " + summary.path("jobs").asInt()
                    + " rows; rerun the same command to continue");
            System.out.println("report: " + run.resolve(RunFiles.REPORT).toAbsolutePath());
        }
        return 0;
    }

    private Judge openJudge() throws java.io.IOException {
        if (judgeUrl != null) return new HttpJudge(judgeUrl, judgeModelName, judgeMaxTokens);
        if (judgeModel != null) return new ModelJudge(SaifSources.openModel(judgeModel), judgeModel, judgeMaxTokens, true);
        return null;
    }

    private static int parseInt(String s, String option) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be integers separated by commas, got '" + s + "'");
        }
    }
}
