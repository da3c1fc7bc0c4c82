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
