package org.saifengine.sae.format;

import org.saifengine.io.SafetensorsFile;
import org.saifengine.sae.Sae;
import org.saifengine.tensor.MemoryBudget;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Finds which format a directory holds and loads it. */
public final class SaeFormats {
    /** Checked in order: SAELens and sparsify both have cfg.json, told apart by the weights file name. */
    public static final List<SaeFormat> ALL = List.of(
            new SaeLensFormat(), new SparsifyFormat(), new LlamaScopeFormat(), new GemmaScopeFormat());

    private SaeFormats() {}

    public static SaeFormat detect(Path path) throws IOException {
        if (!Files.exists(path)) throw new IOException("SAE path not found: " + path);
        for (SaeFormat f : ALL) if (f.matches(path)) return f;
        String contents = "";
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                contents = s.map(p -> p.getFileName().toString()).sorted().limit(20).toList().toString();
            }
        }
        throw new IOException("no SAE recognised at " + path + " " + contents
                + ": expected cfg.json + sae_weights.safetensors (SAELens), cfg.json + sae.safetensors (sparsify), "
                + "hyperparams.json + checkpoints/final.safetensors (Llama Scope), or params.npz / params.safetensors (Gemma Scope)");
    }

    /** An SAE spec: "default" (the default model's SAE in the cache, see {@link org.saifengine.sae.DefaultSae}) or a path. */
    public static Path resolve(String spec) throws IOException {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("no SAE given (use 'default' or a directory)");
        if (spec.equals("default")) {
            Path p = org.saifengine.sae.DefaultSae.path();
            if (!Files.isDirectory(p)) throw new IOException("the default SAE is not trained yet (" + p + "); run scripts/train-default-sae");
            return p;
        }
        return Path.of(spec);
    }

    /** Loads an SAE by spec ("default" or a path). */
    public static Sae load(String spec) throws IOException {
        return load(resolve(spec));
    }

    /** Loads the SAE in the directory (or Gemma Scope file), whatever its format. */
    public static Sae load(Path path) throws IOException {
        return detect(path).load(path);
    }

    /**
     * Loads an SAE after checking that its weights, held as f32 on the Java heap, fit in the budget (null: the
     * memory available now); refused up front with the sizes named otherwise.
     */
    public static Sae load(Path path, MemoryBudget budget) throws IOException {
        SaeFormat format = detect(path);
        (budget != null ? budget : MemoryBudget.detect()).require("loading SAE " + path,
                MemoryBudget.onHeap("SAE weights (f32)", heldBytes(path)));
        return format.load(path);
    }

    /**
     * Bytes the SAE's weights take once loaded (f32): element counts from the safetensors headers, the file size
     * for .npz / .npy (float32 arrays), under the path up to three folders deep.
     */
    public static long heldBytes(Path path) throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.walk(path, 3)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".safetensors")) {
                    try (SafetensorsFile st = SafetensorsFile.open(f)) {
                        for (Tensor t : st.tensors().values()) total = Math.addExact(total, Math.multiplyExact(t.numel(), 4L));
                    }
                } else if (name.endsWith(".npz") || name.endsWith(".npy")) {
                    total = Math.addExact(total, Files.size(f));
                }
            }
        }
        return total;
    }
}
