package org.saifengine.saif;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The files of a SAIF run directory, and reading them with clear errors. */
public final class RunFiles {
    private RunFiles() {}

    public static final String CONFIG = "config.json";
    public static final String LATENTS = "latents.json";
    public static final String DIRECTIONS = "directions.safetensors";
    public static final String FIND_REPORT = "find-report.html";
    public static final String EXPLAIN = "explain.json";
    public static final String RESULTS = "results.jsonl";
    public static final String SUMMARY = "summary.json";
    public static final String REPORT = "report.html";
    public static final String EVAL_CONFIG = "eval-config.json";
    /** saif find's accumulated statistics while it runs (deleted when the run is written). */
    public static final String FIND_CHECKPOINT = "find-checkpoint.bin";

    public static Path requireRun(Path run) throws IOException {
        if (!Files.isDirectory(run)) throw new IOException("run directory not found: " + run);
        for (String f : new String[]{CONFIG, LATENTS, DIRECTIONS})
            if (!Files.isRegularFile(run.resolve(f)))
                throw new IOException("not a complete SAIF run: " + run.resolve(f) + " is missing (run `saif find` first)");
        return run;
    }

    public static JsonNode read(Path run, String file) throws IOException {
        return Json.read(run.resolve(file));
    }
}
