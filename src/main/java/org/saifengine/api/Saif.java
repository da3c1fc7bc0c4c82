package org.saifengine.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;
import org.saifengine.io.ModelFiles;
import org.saifengine.saif.EngineSession;
import org.saifengine.saif.FindRun;
import org.saifengine.saif.SaeDictionary;
import org.saifengine.saif.SaifParams;
import org.saifengine.saif.SaifRun;
import org.saifengine.saif.TaskContents;
import org.saifengine.saif.TaskSuite;
import org.saifengine.steer.SteeringPlan;
import org.saifengine.steer.StrengthSchedule;

import java.io.IOException;
import java.nio.file.Path;

/**
 * SAIF as a library: find an instruction's SAE latents ({@code saif find}), open a finished run, and turn it into a
 * steering plan for {@link Engine#generate}.
 *
 * <pre>{@code
 * FindRun.Result r = Saif.find("../shared/models/stories260K", Path.of("my-sae"), "concept-she",
 *         SaifParams.defaults(), Path.of("runs/she"));
 * SaifRun run = Saif.open(Path.of("runs/she"));
 * Completion c = engine.generate("Once upon a time", GenerateOptions.greedy(32).withSteering(Saif.plan(run, 4.0)));
 * }</pre>
 */
public final class Saif {
    private Saif() {}

    /** Runs the SAIF latent search for a task of the suite and writes the run directory {@code out}. */
    public static FindRun.Result find(String modelSpec, Path saePath, String task, SaifParams params, Path out) throws IOException {
        var t = TaskSuite.load(task);
        TaskContents contents = TaskContents.load(t);
        SaeDictionary sae = SaeDictionary.load(saePath, -1);
        try (EngineSession lm = EngineSession.open(ModelFiles.open(modelSpec))) {
            ObjectNode sources = Json.MAPPER.createObjectNode();
            sources.put("model", modelSpec).put("sae", saePath.toAbsolutePath().normalize().toString()).put("sae_layer_override", -1);
            return FindRun.run(lm, sae, t, contents, params, sources, out);
        }
    }

    /** Reads a finished run directory. */
    public static SaifRun open(Path runDir) throws IOException {
        return SaifRun.open(runDir);
    }

    /** The steering layer of a run: its --layer, or the SAE's layer when that was -1. */
    public static int layer(SaifRun run) {
        return run.params().layer() >= 0 ? run.params().layer() : run.saeLayer();
    }

    /** Steering with the run's selected latents (its k) at strength alpha, with the run's positions settings. */
    public static SteeringPlan plan(SaifRun run, double alpha) {
        float[] v = run.saifVector(run.params().k(), alpha);
        return SaifRun.plan(v, layer(run), run.params().positions(), run.params().fromStep(), StrengthSchedule.CONSTANT,
                run.params().renormalize());
    }
}
