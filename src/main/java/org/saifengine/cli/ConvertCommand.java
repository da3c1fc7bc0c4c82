package org.saifengine.cli;

import org.saifengine.io.AtomicFiles;
import org.saifengine.io.Json;
import org.saifengine.io.ModelFiles;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.io.gguf.GgufModelFiles;
import org.saifengine.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code engine convert --gguf FILE --out DIR}: writes the Hugging Face layout of a GGUF model (config.json,
 * model.safetensors, tokenizer.json, tokenizer_config.json with the chat template). Each file is written atomically.
 */
@Command(name = "convert", description = "Convert a GGUF model to a Hugging Face safetensors directory.")
public final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--gguf", required = true, description = "GGUF file, or 'default' for the default model")
    String gguf;

    @Option(names = "--out", required = true, description = "output directory (created if missing)")
    Path out;

    @Option(names = "--dtype", defaultValue = "f32", description = "weight dtype: f32 (exact) or bf16 (rounded); default ${DEFAULT-VALUE}")
    String dtype;

    @Override
    public Integer call() throws IOException {
        DType target = DType.parse(dtype);
        if (target != DType.F32 && target != DType.BF16) throw new IllegalArgumentException("--dtype must be f32 or bf16, not " + dtype);
        Path file = gguf.equals("default") ? ModelFiles.defaultModelPath() : Path.of(gguf);
        if (gguf.equals("default") && !Files.isRegularFile(file)) {
            throw new IOException("the default model is not downloaded yet (" + file + "); run scripts/fetch-default-model");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) throw new IOException("--out " + out + " exists and is not a directory");
        Files.createDirectories(out);
        try (ModelFiles m = GgufModelFiles.read(file, target)) {
            var config = ((com.fasterxml.jackson.databind.node.ObjectNode) m.config().deepCopy())
                    .put("torch_dtype", target == DType.BF16 ? "bfloat16" : "float32");
            SafetensorsWriter.write(out.resolve("model.safetensors"), m.weights().tensors(), Map.of("format", "pt"));
            AtomicFiles.writeString(out.resolve("tokenizer.json"), Json.write(m.tokenizerJson()));
            AtomicFiles.writeString(out.resolve("tokenizer_config.json"), Json.pretty(m.tokenizerConfig()));
            AtomicFiles.writeString(out.resolve("config.json"), Json.pretty(config)); // last: marks the directory complete
        }
        System.err.println("converted " + file + " to " + out);
        return 0;
    }
}
