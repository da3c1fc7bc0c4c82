package org.saifengine.cli;

import org.saifengine.tokenizer.Tokenizer;
import org.saifengine.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads only a model's tokenizer for the CLI (never its weights). */
final class TokenizerLoading {
    private TokenizerLoading() {}

    /** A model directory, a tokenizer.json or a tokenizer.model. */
    static Tokenizer load(String model) throws IOException {
        Path p = Path.of(model);
        if (Files.isDirectory(p) || Files.isRegularFile(p) && !model.endsWith(".gguf")) return Tokenizers.loadPath(p);
        if (!Files.exists(p)) throw new IOException("model not found: " + model);
        throw new IOException("cannot read a tokenizer from " + model + " (want a model directory, tokenizer.json or tokenizer.model)");
    }
}
