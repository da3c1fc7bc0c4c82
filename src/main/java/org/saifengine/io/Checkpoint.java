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
        if (Files.isRegularFile(index)) {
            JsonNode map = Json.read(index).get("weight_map");
            if (map == null || !map.isObject()) throw new InvalidFileException(index + " has no weight_map object");
            TreeSet<String> shards = new TreeSet<>();
            map.fields().forEachRemaining(e -> shards.add(e.getValue().asText()));
            List<Path> paths = new ArrayList<>();
            for (String s : shards) {
                Path p = dirOrFile.resolve(s).normalize();
                if (!p.startsWith(dirOrFile.normalize())) throw new InvalidFileException(index + " names a shard outside the directory: " + s);
                paths.add(p);
            }
            Checkpoint cp = of(paths);
            for (var it = map.fields(); it.hasNext(); ) {
                String name = it.next().getKey();
                if (!cp.tensors.containsKey(name)) {
                    cp.close();
                    throw new InvalidFileException(index + " lists tensor '" + name + "' which no shard contains");
                }
            }
            return cp;
        }
        if (Files.isRegularFile(single)) return of(List.of(single));
        throw new IOException("no model.safetensors or model.safetensors.index.json in " + dirOrFile);
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
