package org.saifengine.io;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Everything needed to build a model, in Hugging Face terms, whatever the source format: the parsed config.json,
 * the weights under HF tensor names, and the tokenizer's tokenizer.json / tokenizer_config.json (either may be
 * null when the source has none, e.g. a directory with only a SentencePiece tokenizer.model). A GGUF file is
 * translated into this same shape, so the model and tokenizer code know one layout only.
 *
 * @param source          the file or directory it came from
 * @param config          config.json
 * @param weights         tensors under HF names (views into mapped files, or memory the checkpoint owns)
 * @param tokenizerJson   tokenizer.json, or null
 * @param tokenizerConfig tokenizer_config.json, or null
 */
public record ModelFiles(Path source, JsonNode config, Checkpoint weights, JsonNode tokenizerJson,
                         JsonNode tokenizerConfig) implements AutoCloseable {

    /** File name of the default model in the per-user cache (fetched by scripts/fetch-default-model). */
    public static final String DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf";

    /**
     * Opens a model by spec: {@code default} (the cached SmolLM2-135M-Instruct GGUF), a {@code .gguf} file, or a
     * Hugging Face model directory.
     */
    public static ModelFiles open(String spec) throws IOException {
        return open(spec, null);
    }

    /**
     * As {@link #open(String)}; {@code gguf} picks the dtype GGUF weights are dequantized to (f32 when null, or bf16
     * to halve the memory when the model will run in bf16 anyway). Safetensors weights stay as stored.
     */
    public static ModelFiles open(String spec, org.saifengine.tensor.DType gguf) throws IOException {
        return open(spec, gguf, false);
    }

    /**
     * As {@link #open(String, org.saifengine.tensor.DType)}; with keepQuantized a GGUF's Q8_0 / Q4_0 / Q4_1 matrices
     * keep their blocks (for the CPU backend's quantized matmul) and only its other tensors are dequantized.
     */
    public static ModelFiles open(String spec, org.saifengine.tensor.DType gguf, boolean keepQuantized) throws IOException {
        return open(spec, gguf, keepQuantized, org.saifengine.tensor.MemoryBudget.detect());
    }

    /**
     * As {@link #open(String, org.saifengine.tensor.DType, boolean)}; a GGUF whose weights, once read as asked, would
     * not fit in the budget is refused before any is read (its weights are read into memory here, not mapped).
     */
    public static ModelFiles open(String spec, org.saifengine.tensor.DType gguf, boolean keepQuantized,
                                  org.saifengine.tensor.MemoryBudget budget) throws IOException {
        org.saifengine.tensor.DType ggufDType = gguf == null ? org.saifengine.tensor.DType.F32 : gguf;
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("no model given (use 'default', a .gguf file or a model directory)");
        if (spec.equals("default")) {
            Path p = defaultModelPath();
            if (!Files.isRegularFile(p)) {
                throw new IOException("the default model is not downloaded yet (" + p + "); run scripts/fetch-default-model");
            }
            return org.saifengine.io.gguf.GgufModelFiles.read(p, ggufDType, keepQuantized, budget);
        }
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) return fromDirectory(p);
        if (Files.isRegularFile(p) && p.getFileName().toString().toLowerCase().endsWith(".gguf")) {
            return org.saifengine.io.gguf.GgufModelFiles.read(p, ggufDType, keepQuantized, budget);
        }
        if (!Files.exists(p)) throw new IOException("model not found: " + spec + " (use 'default', a .gguf file or a model directory)");
        throw new IOException("cannot open model " + spec + ": expected a .gguf file or a Hugging Face model directory");
    }

    /** Where scripts/fetch-default-model puts the default model: $SAIF_ENGINE_CACHE, else $XDG_CACHE_HOME/saif-engine,
     *  else ~/.cache/saif-engine; then models/. */
    public static Path defaultModelPath() {
        String cache = System.getenv("SAIF_ENGINE_CACHE");
        Path root;
        if (cache != null && !cache.isEmpty()) {
            root = Path.of(cache);
        } else {
            String xdg = System.getenv("XDG_CACHE_HOME");
            root = (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                    .resolve("saif-engine");
        }
        return root.resolve("models").resolve(DEFAULT_MODEL_FILE);
    }

    /** Opens a Hugging Face model directory. */
    public static ModelFiles fromDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException("model directory not found: " + dir);
        JsonNode config = Json.read(dir.resolve("config.json"));
        JsonNode tok = optional(dir.resolve("tokenizer.json"));
        JsonNode tokCfg = optional(dir.resolve("tokenizer_config.json"));
        return new ModelFiles(dir, config, Checkpoint.open(dir), tok, tokCfg);
    }

    private static JsonNode optional(Path p) throws IOException {
        return Files.isRegularFile(p) ? Json.read(p) : null;
    }

    /** The model's short id: its directory or file name without extension. */
    public String id() {
        String name = source.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return Files.isDirectory(source) || dot < 0 ? name : name.substring(0, dot);
    }

    @Override
    public void close() {
        weights.close();
    }
}
