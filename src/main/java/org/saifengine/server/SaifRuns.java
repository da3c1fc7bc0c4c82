package org.saifengine.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.api.Engine;
import org.saifengine.api.Saif;
import org.saifengine.io.Json;
import org.saifengine.saif.RunFiles;
import org.saifengine.saif.SaifRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a SAIF run directory into what the server offers: a steering direction and a JSON summary. */
final class SaifRuns {
    private SaifRuns() {}

    static Registry.SaifRun load(String name, Path dir, Engine engine) throws IOException {
        SaifRun run = Saif.open(dir);
        String model = run.config().path("model_id").asText(null);
        if (model != null && !model.equals(engine.modelId())) {
            throw new IllegalArgumentException("SAIF run " + dir + " was found on model '" + model + "' but this server serves '"
                    + engine.modelId() + "'");
        }
        int layer = Saif.layer(run);
        if (layer < 0 || layer >= engine.config().layers()) {
            throw new IllegalArgumentException("SAIF run " + dir + " steers layer " + layer + " but the model has layers 0.."
                    + (engine.config().layers() - 1));
        }
        float[] vector = run.saifVector(run.params().k(), 1.0);
        if (vector.length != engine.config().hiddenSize()) {
            throw new IllegalArgumentException("SAIF run " + dir + " has directions of width " + vector.length
                    + " but the model's d_model is " + engine.config().hiddenSize());
        }
        String hook = "blocks." + layer + ".hook_resid_post";
        return new Registry.SaifRun(name, hook, vector, run.params().alpha(), summary(name, run, hook, dir));
    }

    /** Selected latents with their scores, and each latent's top tokens when `saif explain` has been run. */
    private static JsonNode summary(String name, SaifRun run, String hook, Path dir) throws IOException {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "saif.run");
        o.put("id", name);
        o.put("task", run.task());
        o.put("model", run.config().path("model_id").asText());
        o.put("sae", run.config().path("sae_id").asText());
        o.put("hook", hook);
        o.put("k", run.params().k());
        o.put("alpha", run.params().alpha());
        JsonNode explain = Files.isRegularFile(dir.resolve(RunFiles.EXPLAIN)) ? RunFiles.read(dir, RunFiles.EXPLAIN) : null;
        ArrayNode selected = o.putArray("selected");
        for (JsonNode l : run.latents().path("selected")) {
            ObjectNode s = selected.addObject();
            for (String key : new String[]{"rank", "latent", "sensitivity", "standardized", "consistency", "freq_p", "freq_n", "mean_p", "mean_n"}) {
                if (l.has(key)) s.set(key, l.get(key));
            }
            if (explain != null) {
                for (JsonNode e : explain.path("latents")) {
                    if (e.path("latent").asInt(-1) == l.path("latent").asInt(-2)) s.set("top_tokens", e.path("top_tokens"));
                }
            }
        }
        return o;
    }
}
