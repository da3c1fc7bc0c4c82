package org.saifengine.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.io.AtomicFiles;
import org.saifengine.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code engine bench --out FILE}: the results of each finished part (single, batch, steering, sae, bandwidth),
 * rewritten atomically after every part, so that a bench killed half-way keeps what it measured and a rerun of the
 * same command measures only the parts left. The file records the settings it was measured with; a rerun with
 * other settings is refused rather than mixing measurements. Once complete it also holds the whole result.
 * <pre>{"settings": {...}, "complete": false, "parts": {"single": {...}, ...}, "results": {...}}</pre>
 */
final class BenchResultsFile {
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private final Path file;
    private final Map<String, Object> settings;
    private final Map<String, Map<String, Object>> parts = new LinkedHashMap<>();
    private Map<String, Object> results;

    private BenchResultsFile(Path file, Map<String, Object> settings) {
        this.file = file;
        this.settings = settings;
    }

    /** The file's parts when it exists with these settings, else an empty one; fails fast if it cannot be written. */
    static BenchResultsFile open(Path file, Map<String, Object> settings) throws IOException {
        BenchResultsFile f = new BenchResultsFile(file, settings);
        Path dir = file.toAbsolutePath().getParent();
        AtomicFiles.requireWritable(dir);
        if (!Files.exists(file)) return f;
        JsonNode root = Json.read(file);
        if (!root.isObject() || !root.path("settings").isObject() || !root.path("parts").isObject())
            throw new IllegalArgumentException(file + " is not an `engine bench --out` file (no settings and parts)");
        Map<String, Object> was = Json.MAPPER.convertValue(root.get("settings"), MAP);
        if (!was.equals(Json.MAPPER.convertValue(settings, MAP)))
            throw new IllegalArgumentException(file + " holds a bench with other settings (" + Json.write(was)
                    + "); delete it to start over, or rerun with the same options to continue it");
        root.get("parts").properties().forEach(e -> f.parts.put(e.getKey(), Json.MAPPER.convertValue(e.getValue(), MAP)));
        if (root.path("complete").asBoolean(false) && root.path("results").isObject())
            f.results = Json.MAPPER.convertValue(root.get("results"), MAP);
        return f;
    }

    /** The whole result of a complete file, else null. */
    Map<String, Object> results() {
        return results;
    }

    /** The measurements of a part finished before, else null. */
    Map<String, Object> part(String name) {
        return parts.get(name);
    }

    java.util.Set<String> partsDone() {
        return parts.keySet();
    }

    void savePart(String name, Map<String, Object> values) throws IOException {
        parts.put(name, values);
        write();
    }

    void complete(Map<String, Object> all) throws IOException {
        results = all;
        write();
    }

    private void write() throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("settings", settings);
        root.put("complete", results != null);
        root.put("parts", parts);
        if (results != null) root.put("results", results);
        AtomicFiles.writeString(file, Json.pretty(root) + "\n");
    }
}
