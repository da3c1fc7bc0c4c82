package org.saifengine.cli;

import org.saifengine.io.ModelFiles;
import org.saifengine.io.gguf.GgufModelFiles;
import org.saifengine.io.gguf.GgufTokenizerJson;
import org.saifengine.tokenizer.Tokenizer;
import org.saifengine.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads only a model's tokenizer for the CLI (never its weights). */
final class TokenizerLoading {
    private TokenizerLoading() {}

    /** A model directory, a tokenizer.json, a tokenizer.model, a .gguf file or "default" (the default GGUF). */
    static Tokenizer load(String model) throws IOException {
        if (model.equals("default") || model.toLowerCase().endsWith(".gguf")) {
            Path gguf = model.equals("default") ? ModelFiles.defaultModelPath() : Path.of(model);
            if (model.equals("default") && !Files.isRegularFile(gguf)) {
                throw new IOException("the default model is not downloaded yet (" + gguf + "); run scripts/fetch-default-model");
            }
            GgufTokenizerJson.Result r = GgufModelFiles.readTokenizer(gguf);
            return Tokenizers.fromJson(r.tokenizerJson(), r.tokenizerConfig());
        }
        Path p = Path.of(model);
        if (Files.isDirectory(p) || Files.isRegularFile(p) && !model.endsWith(".gguf")) return Tokenizers.loadPath(p);
        if (!Files.exists(p)) throw new IOException("model not found: " + model);
        throw new IOException("cannot read a tokenizer from " + model + " (want a model directory, tokenizer.json, tokenizer.model or .gguf)");
    }
}
