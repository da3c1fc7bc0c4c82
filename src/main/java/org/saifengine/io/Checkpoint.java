package org.saifengine.io;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * All tensors of a Hugging Face checkpoint directory: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}. Tensors stay views into the mapped shards until {@link #close()}.
 */
public final class Checkpoint implements AutoCloseable {
    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;

    private Checkpoint(List<SafetensorsFile> files, Map<String, Tensor> tensors) {
        this.files = files;
        this.tensors = tensors;
    }

    public static Checkpoint open(Path dirOrFile) throws IOException {
        if (Files.isRegularFile(dirOrFile)) return of(List.of(dirOrFile));
        Path index = dirOrFile.resolve("model.safetensors.index.json");
        Path single = dirOrFile.resolve("model.safetensors");
        if (Files.isRegularFile(index)) return openSharded(dirOrFile, index);
        if (Files.isRegularFile(single)) return of(List.of(single));
        throw new IOException("no model.safetensors or model.safetensors.index.json in " + dirOrFile);
    }

    /** Shards named by model.safetensors.index.json; every listed tensor must be in the shard the index names. */
    private static Checkpoint openSharded(Path dir, Path index) throws IOException {
        JsonNode map = Json.read(index).get("weight_map");
        if (map == null || !map.isObject()) throw new InvalidFileException(index + " has no weight_map object");
        Path base = dir.toAbsolutePath().normalize();
        Map<String, Path> shardOf = new LinkedHashMap<>();
        TreeSet<Path> shards = new TreeSet<>();
        for (var e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new InvalidFileException(index + ": weight_map entry '" + e.getKey() + "' is not a file name");
            }
            String s = e.getValue().textValue();
            Path p = base.resolve(s).normalize();
            if (!p.startsWith(base) || p.equals(base)) {
                throw new InvalidFileException(index + " names a shard outside the directory: " + s);
            }
            if (!Files.isRegularFile(p)) throw new InvalidFileException(index + " names shard " + s + ", which does not exist");
            shardOf.put(e.getKey(), p);
            shards.add(p);
        }
        Checkpoint cp = of(new ArrayList<>(shards));
        for (var e : shardOf.entrySet()) {
            String name = e.getKey();
            SafetensorsFile holder = cp.files.stream().filter(f -> f.has(name)).findFirst().orElse(null);
            if (holder == null || !holder.path().equals(e.getValue())) {
                cp.close();
                throw new InvalidFileException(index + " lists tensor '" + name + "' in " + e.getValue().getFileName()
                        + (holder == null ? ", but no shard contains it" : ", but it is in " + holder.path().getFileName()));
            }
        }
        return cp;
    }

    private static Checkpoint of(List<Path> paths) throws IOException {
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, Tensor> all = new LinkedHashMap<>();
        try {
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                files.add(f);
                for (var e : f.tensors().entrySet()) {
                    if (all.put(e.getKey(), e.getValue()) != null) {
                        throw new InvalidFileException("tensor '" + e.getKey() + "' appears in more than one shard");
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
        return new Checkpoint(files, Collections.unmodifiableMap(all));
    }

    /** Wraps tensors that already live in memory (e.g. dequantized GGUF weights). */
    public static Checkpoint ofTensors(Map<String, Tensor> tensors) {
        return new Checkpoint(List.of(), Collections.unmodifiableMap(new LinkedHashMap<>(tensors)));
    }

    public Map<String, Tensor> tensors() { return tensors; }

    /** Whether the tensors are already in memory ({@link #ofTensors}) rather than views of mapped files. */
    public boolean inMemory() { return files.isEmpty(); }

    public boolean has(String name) { return tensors.containsKey(name); }

    public Tensor get(String name) throws InvalidFileException {
        Tensor t = tensors.get(name);
        if (t == null) throw new InvalidFileException("tensor '" + name + "' is missing from the checkpoint");
        return t;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
