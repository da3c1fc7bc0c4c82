package org.saifengine.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/** The SAEs and SAIF runs registered at start-up, by name: the only ones requests can refer to. */
final class Registry {
    /** What the server needs of an SAE: its hook point, decoder rows and encoder. */
    interface Dictionary {
        String name();

        String hookPoint();

        int dIn();

        int dSae();

        float[] decoderRow(int latent);

        /** Active latents of one activation vector, strongest first, at most top (0 = all active). */
        Latents encode(float[] x, int top);

        /** Activations of chosen latents (0 where inactive). */
        float[] activations(float[] x, int[] latents);
    }

    record Latents(int[] indices, float[] values) {}

    /**
     * A SAIF run: the direction of its selected latents at a hook point (alpha 1), the alpha it was found with, and
     * its summary (selected latents, scores, top tokens) as JSON.
     */
    record SaifRun(String name, String hookPoint, float[] vector, double defaultAlpha, JsonNode summary) {}

    private final Map<String, Dictionary> saes = new LinkedHashMap<>();
    private final Map<String, SaifRun> runs = new LinkedHashMap<>();

    void add(Dictionary sae) {
        if (saes.putIfAbsent(sae.name(), sae) != null) throw new IllegalArgumentException("SAE name '" + sae.name() + "' is given twice");
    }

    void add(SaifRun run) {
        if (runs.putIfAbsent(run.name(), run) != null) throw new IllegalArgumentException("SAIF run name '" + run.name() + "' is given twice");
    }

    Map<String, Dictionary> saes() { return saes; }

    Map<String, SaifRun> runs() { return runs; }

    /** The SAE of that name, or a 400 (field = where the name came from) listing the registered ones. */
    Dictionary sae(String name, String field) {
        if (name == null) throw ApiException.badRequest(field + " is missing: name a registered SAE (" + names(saes) + ")");
        Dictionary d = saes.get(name);
        if (d == null) throw ApiException.badRequest(field + ": unknown SAE '" + name + "'; registered SAEs: " + names(saes));
        return d;
    }

    SaifRun saifRun(String name, String field) {
        if (name == null) throw ApiException.badRequest(field + " is missing: name a registered SAIF run (" + names(runs) + ")");
        SaifRun r = runs.get(name);
        if (r == null) throw ApiException.badRequest(field + ": unknown SAIF run '" + name + "'; registered runs: " + names(runs));
        return r;
    }

    private static String names(Map<String, ?> m) {
        return m.isEmpty() ? "none (start the server with --sae NAME=PATH / --saif-run NAME=DIR)" : String.join(", ", m.keySet());
    }
}
