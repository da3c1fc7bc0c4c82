package org.saifengine.cli;

import org.saifengine.saif.EngineSession;
import org.saifengine.saif.Explain;
import org.saifengine.saif.SaifRun;
import org.saifengine.saif.TaskSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code engine saif explain}: logit-lens top tokens of the selected latents, instruction words, redundancy. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Project each selected latent's decoder row through the final norm's scale and the unembedding "
                + "(logit lens); mark instruction words among the top tokens; report decoder cosine similarity. "
                + "Writes explain.json in the run.")
public final class SaifExplainCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, description = "run directory of saif find")
    Path run;
    @Option(names = "--top", defaultValue = "10", description = "top tokens per latent (default: ${DEFAULT-VALUE})")
    int top;
    @Option(names = "--model", description = "model to use instead of the one in the run's config")
    String model;

    @Override
    public Integer call() throws Exception {
        if (top < 1) throw new IllegalArgumentException("--top must be >= 1, got " + top);
        SaifRun r = SaifRun.open(run);
        try (EngineSession lm = SaifSources.openModel(r, model)) {
            Explain.Result res = Explain.compute(r, TaskSuite.load(r.task()), lm, top);
            Explain.write(r, res);
            System.out.print(Explain.table(res));
            float max = 0;
            for (int a = 0; a < res.cosine().length; a++)
                for (int b = 0; b < a; b++) max = Math.max(max, Math.abs(res.cosine()[a][b]));
            System.out.printf(Locale.ROOT, "max |cosine| between selected decoder rows: %.3f ([brackets] = instruction word)%n", max);
            System.out.println("wrote " + run.resolve("explain.json").toAbsolutePath());
        }
        return 0;
    }
}
