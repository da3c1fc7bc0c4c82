package org.saifengine.cli;

import org.saifengine.io.ProgressBar;
import org.saifengine.model.HookPoint;
import org.saifengine.saif.EngineSession;
import org.saifengine.sae.train.ActivationShards;
import org.saifengine.sae.train.Corpus;
import org.saifengine.sae.train.DistributedCollect;
import org.saifengine.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code engine sae collect}: the model's activations at a hook over the corpus windows, written as parts of
 * safetensors plus a manifest ({@link ActivationShards}), in process or as a Spark job ({@code --spark MASTER}); then
 * {@code sae train --activations DIR} trains on them.
 */
@Command(name = "collect", mixinStandardHelpOptions = true,
        description = "Collect the model's activations at a hook over a corpus (in process or with --spark) for `sae train --activations`.")
public final class SaeCollectCommand implements Callable<Integer> {
    /** Windows per part when collecting in process. */
    static final int WINDOWS_PER_PART = 256;

    @Option(names = "--model", required = true, description = "model: HF directory, .gguf file, or 'default'")
    String model;

    @Option(names = "--hook", required = true, description = "hook point, e.g. blocks.3.hook_resid_post")
    String hook;

    @Option(names = "--out", required = true, description = "output directory (part-NNNNN.safetensors + activations.json); "
            + "with --spark on a filesystem the executors share")
    Path out;

    @Option(names = "--context", defaultValue = "128", description = "tokens per window, BOS included (default ${DEFAULT-VALUE})")
    int context;

    @Option(names = "--corpus", description = "text or .jsonl files (default: as `sae train`)")
    List<Path> corpus;

    @picocli.CommandLine.Mixin
    SparkOption spark = new SparkOption();

    @Override
    public Integer call() throws Exception {
        DistributedCollect distributed = spark.master() != null ? DistributedCollect.load() : null;  // fails first without the module
        int partitions = spark.partitions();
        HookPoint hp = HookPoint.parse(hook);
        List<Path> files = (corpus != null ? corpus : SaeTrainCommand.defaultCorpus()).stream()
                .map(p -> p.toAbsolutePath().normalize()).toList();
        if (files.isEmpty()) throw new IllegalArgumentException("no corpus files: pass --corpus");
        Path dir = out.toAbsolutePath().normalize();
        String modelSpec = SaifSources.absolute(model);
        List<DistributedCollect.Part> parts = new ArrayList<>();
        int dModel;
        List<int[]> windows;
        try (EngineSession lm = SaifSources.openModel(model)) {
            if (hp.layer() >= lm.layers())
                throw new IllegalArgumentException("hook " + hp + " is beyond the model's " + lm.layers() + " layers");
            Tokenizer tok = lm.tokenizer();
            windows = Corpus.windows(tok, files, context);
            if (windows.isEmpty()) throw new IllegalArgumentException("the corpus gives no windows of at least 4 tokens");
            dModel = lm.dModel();
            Files.createDirectories(dir);
            ActivationShards.clear(dir);
            if (distributed == null) {
                ProgressBar bar = new ProgressBar(System.err, "collect", windows.size(), 0, "windows");
                for (int p = 0, start = 0; start < windows.size(); p++, start += WINDOWS_PER_PART) {
                    int end = Math.min(windows.size(), start + WINDOWS_PER_PART);
                    int[] idx = java.util.stream.IntStream.range(start, end).toArray();
                    String name = ActivationShards.partName(p);
                    long rows = ActivationShards.writePart(lm.model(), hp, idx, windows.subList(start, end), dir.resolve(name));
                    parts.add(new DistributedCollect.Part(name, end - start, rows));
                    bar.update(end, "");
                }
            }
        }
        if (distributed != null)  // the driver's model is closed: executors open their own
            parts = distributed.collect(spark.master(), new DistributedCollect.Job(modelSpec, hp.toString(), dir.toString(), partitions), windows);
        int nWindows = parts.stream().mapToInt(DistributedCollect.Part::windows).sum();
        long tokens = parts.stream().mapToLong(DistributedCollect.Part::tokens).sum();
        if (nWindows != windows.size())
            throw new IllegalStateException("the parts hold " + nWindows + " windows, expected " + windows.size());
        ActivationShards.writeManifest(dir, new ActivationShards.Manifest(modelSpec, hp.toString(), dModel, context,
                files.stream().map(Path::toString).toList(), windows.size(), tokens, parts.stream().map(DistributedCollect.Part::file).toList()));
        System.out.printf("%d windows, %d vectors of d_model %d at %s in %d parts -> %s%n", windows.size(), tokens, dModel, hp,
                parts.size(), dir);
        return 0;
    }
}
