package org.saifengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;
import org.saifengine.io.ModelFiles;
import org.saifengine.saif.EngineSession;
import org.saifengine.saif.SaeDictionary;
import org.saifengine.saif.SaifRun;
import org.saifengine.tensor.MemoryBudget;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a SAIF run's model and SAE come from (config.json "sources"), and opening them again. */
final class SaifSources {
    private SaifSources() {}

    /** A path spec made absolute (so a run directory works from any folder); other specs ("default") as given. */
    static String absolute(String spec) {
        Path p = Path.of(spec);
        return Files.exists(p) ? p.toAbsolutePath().normalize().toString() : spec;
    }

    static ObjectNode sources(String model, String sae, int saeLayer) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("model", absolute(model)).put("sae", absolute(sae)).put("sae_layer_override", saeLayer);
        return n;
    }

    static EngineSession openModel(String spec) throws IOException {
        return openModel(spec, null);
    }

    /** Opens a model, refusing it up front when it does not fit in the budget (null: the memory available now). */
    static EngineSession openModel(String spec, MemoryBudget budget) throws IOException {
        MemoryBudget b = budget != null ? budget : MemoryBudget.detect();
        return EngineSession.open(ModelFiles.open(spec, null, false, b), b);
    }

    /** The run's model, or the one given on the command line. */
    static EngineSession openModel(SaifRun run, String override) throws IOException {
        return openModel(run, override, null);
    }

    static EngineSession openModel(SaifRun run, String override, MemoryBudget budget) throws IOException {
        return openModel(override != null ? override : source(run, "model"), budget);
    }

    static SaeDictionary openSae(SaifRun run, String override) throws IOException {
        return openSae(run, override, null);
    }

    static SaeDictionary openSae(SaifRun run, String override, MemoryBudget budget) throws IOException {
        String path = override != null ? override : source(run, "sae");
        SaeDictionary sae = SaeDictionary.load(Path.of(path), run.config().path("sources").path("sae_layer_override").asInt(-1), budget);
        if (sae.layer() != run.saeLayer())
            throw new IllegalArgumentException("SAE " + path + " reads layer " + sae.layer() + " but the run was found at layer " + run.saeLayer());
        return sae;
    }

    static String source(SaifRun run, String key) {
        JsonNode v = run.config().path("sources").path(key);
        if (!v.isTextual()) throw new IllegalArgumentException(run.dir() + "/config.json does not name the " + key + "; pass --" + key);
        return v.asText();
    }
}
