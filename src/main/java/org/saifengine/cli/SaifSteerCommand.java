package org.saifengine.cli;

import org.saifengine.saif.EngineSession;
import org.saifengine.saif.SaifRun;
import org.saifengine.saif.SteerCompare;
import org.saifengine.steer.Positions;
import org.saifengine.steer.StrengthSchedule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code engine saif steer}: one prompt without and with the run's SAIF vector, side by side. */
@Command(name = "steer", mixinStandardHelpOptions = true,
        description = "Generate from a prompt without and with the SAIF steering vector of a run "
                + "(v = alpha * sum_j mean_P(a_j) W_dec[j], added to resid_post at --layer), side by side.")
public final class SaifSteerCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, description = "run directory of saif find")
    Path run;
    @Option(names = "--prompt", required = true, description = "the prompt (user message)")
    String prompt;
    @Option(names = "--alpha", description = "strength (default: the run's)")
    Double alpha;
    @Option(names = "--k", description = "latents used (default: the run's k)")
    Integer k;
    @Option(names = "--layer", description = "layer whose resid_post is steered (default: the run's)")
    Integer layer;
    @Option(names = "--positions", description = "all, prompt, generated or from-step (default: the run's)")
    String positions;
    @Option(names = "--from-step", description = "first steered generation step for --positions from-step")
    Integer fromStep;
    @Option(names = "--schedule", defaultValue = "const", description = "strength over steps: const or linear:START:END:STEPS")
    String schedule;
    @Option(names = "--renormalize", description = "keep each steered position's norm")
    boolean renormalize;
    @Option(names = "--raw", description = "feed the prompt as is, without the chat template")
    boolean raw;
    @Option(names = "--max-tokens", defaultValue = "64", description = "tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;
    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature;
    @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--width", defaultValue = "60", description = "column width (default: ${DEFAULT-VALUE})")
    int width;
    @Option(names = "--model", description = "model to use instead of the one in the run's config")
    String model;

    @picocli.CommandLine.Mixin
    MemoryBudgetOption memory = new MemoryBudgetOption();

    @Override
    public Integer call() throws Exception {
        if (width < 10) throw new IllegalArgumentException("--width must be >= 10");
        SaifRun r = SaifRun.open(run);
        var p = r.params();
        double a = alpha != null ? alpha : p.alpha();
        if (!Double.isFinite(a)) throw new IllegalArgumentException("--alpha must be a finite number, got " + a);
        int kk = k != null ? k : p.k();
        if (kk < 1) throw new IllegalArgumentException("--k must be >= 1, got " + kk);
        int l = layer != null ? layer : p.layer() >= 0 ? p.layer() : r.saeLayer();
        Positions pos = positions != null ? Positions.parse(positions) : p.positions();
        int fs = fromStep != null ? fromStep : p.fromStep();
        try (EngineSession lm = SaifSources.openModel(r, model, memory.budget())) {
            SteerCompare.Result res = SteerCompare.run(r, lm, prompt, !raw, kk, a, l, pos, fs, StrengthSchedule.parse(schedule),
                    renormalize || p.renormalize(), maxTokens, temperature, seed);
            System.out.printf(Locale.ROOT, "SAIF vector: %d latents, alpha %s, layer %d, |v| = %.3f, positions %s%n%n",
                    res.k(), a, l, res.norm(), pos.id());
            System.out.print(SteerCompare.sideBySide("unsteered", res.unsteered(), "steered", res.steered(), width));
        }
        return 0;
    }
}
