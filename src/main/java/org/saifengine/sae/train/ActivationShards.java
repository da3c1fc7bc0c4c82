package org.saifengine.sae.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.io.AtomicFiles;
import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Model;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of collected activations ({@code sae collect}, in process or as a Spark job): a directory of parts
 * {@code part-NNNNN.safetensors}, each holding {@code activations} F32 [rows, d_model] (the hook's vectors for
 * positions >= 1 of its windows, window after window), {@code windows} I32 [n] (the windows' corpus indexes) and
 * {@code offsets} I64 [n + 1] (each window's first row), plus {@code activations.json} (the manifest: model, hook,
 * corpus, context, counts, parts), written last so that an unfinished collection is never read.
 */
public final class ActivationShards {
    public static final String MANIFEST = "activations.json";
    /** Windows per forward pass, as the training store batches them. */
    static final int WINDOWS_PER_FORWARD = 8;

    private ActivationShards() {}

    /**
     * What was collected and from what.
     *
     * @param corpus  the corpus files, absolute, in the order their windows are numbered
     * @param windows number of windows (indexes 0..windows-1)
     * @param tokens  number of vectors (positions >= 1 of every window)
     * @param parts   the part files, relative to the directory
     */
    public record Manifest(String model, String hook, int dModel, int context, List<String> corpus, int windows, long tokens,
                           List<String> parts) {
        public Manifest {
            corpus = List.copyOf(corpus);
            parts = List.copyOf(parts);
        }
    }

    public static String partName(int part) {
        return String.format("part-%05d.safetensors", part);
    }

    /**
     * Runs the model over the windows (in groups of {@link #WINDOWS_PER_FORWARD}) and writes one part, atomically: a
     * retried or speculative attempt of the same part writes the same file again.
     *
     * @return the number of vectors written
     */
    public static long writePart(Model model, HookPoint hook, int[] indexes, List<int[]> windows, Path file) throws IOException {
        if (indexes.length != windows.size()) throw new IllegalArgumentException(indexes.length + " indexes for " + windows.size() + " windows");
        int d = model.config().hiddenSize();
        long[] offsets = new long[windows.size() + 1];
        List<float[]> rows = new ArrayList<>();
        for (int g = 0; g < windows.size(); g += WINDOWS_PER_FORWARD) {
            List<int[]> group = windows.subList(g, Math.min(windows.size(), g + WINDOWS_PER_FORWARD));
            rows.addAll(ActivationStore.capture(model, hook, group));
        }
        for (int w = 0; w < windows.size(); w++) offsets[w + 1] = offsets[w] + windows.get(w).length - 1;
        if (offsets[windows.size()] != rows.size())
            throw new IllegalStateException("captured " + rows.size() + " vectors, expected " + offsets[windows.size()]);
        try (Arena arena = Arena.ofConfined()) {
            Tensor acts = Tensor.allocate(arena, DType.F32, rows.size(), d);
            for (int r = 0; r < rows.size(); r++)
                MemorySegment.copy(rows.get(r), 0, acts.data(), Tensor.F32_LE, (long) r * d * 4, d);
            Tensor idx = Tensor.allocate(arena, DType.I32, indexes.length);
            for (int i = 0; i < indexes.length; i++) idx.data().setAtIndex(Tensor.I32_LE, i, indexes[i]);
            Tensor off = Tensor.allocate(arena, DType.I64, offsets.length);
            for (int i = 0; i < offsets.length; i++) off.data().setAtIndex(Tensor.I64_LE, i, offsets[i]);
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("activations", acts);
            t.put("windows", idx);
            t.put("offsets", off);
            SafetensorsWriter.write(file, t, Map.of("hook", hook.toString()));
        }
        return rows.size();
    }

    /** Writes the manifest (last: it makes the collection readable). */
    public static void writeManifest(Path dir, Manifest m) throws IOException {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("format", "saif-activations-1");
        j.put("model", m.model());
        j.put("hook", m.hook());
        j.put("d_model", m.dModel());
        j.put("context", m.context());
        j.put("corpus", m.corpus());
        j.put("windows", m.windows());
        j.put("tokens", m.tokens());
        j.put("parts", m.parts());
        AtomicFiles.writeString(dir.resolve(MANIFEST), Json.pretty(j));
    }

    public static Manifest readManifest(Path dir) throws IOException {
        Path f = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(f))
            throw new IOException("no collected activations in " + dir + " (" + MANIFEST + " missing: collect them with `sae collect`, "
                    + "or the collection did not finish)");
        JsonNode j = Json.read(f);
        if (!"saif-activations-1".equals(j.path("format").asText()))
            throw new IOException(f + ": unknown format '" + j.path("format").asText() + "', expected saif-activations-1");
        for (String k : List.of("model", "hook", "d_model", "context", "corpus", "windows", "tokens", "parts"))
            if (!j.has(k)) throw new IOException(f + ": missing field '" + k + "'");
        List<String> corpus = new ArrayList<>(), parts = new ArrayList<>();
        j.get("corpus").forEach(n -> corpus.add(n.asText()));
        j.get("parts").forEach(n -> parts.add(n.asText()));
        return new Manifest(j.get("model").asText(), j.get("hook").asText(), j.get("d_model").asInt(), j.get("context").asInt(),
                corpus, j.get("windows").asInt(), j.get("tokens").asLong(), parts);
    }

    /** Removes a previous collection's manifest and parts, so that the new one is not mixed with them. */
    public static void clear(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return;
        Files.deleteIfExists(dir.resolve(MANIFEST));
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("part-") && n.endsWith(".safetensors")) Files.delete(p);
            }
        }
    }
}
