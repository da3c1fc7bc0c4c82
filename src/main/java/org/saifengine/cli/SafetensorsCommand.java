package org.saifengine.cli;

import org.saifengine.io.Checkpoint;
import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsFile;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Looks into and converts safetensors checkpoints without needing a model config. */
@Command(name = "safetensors", mixinStandardHelpOptions = true,
        description = "Inspect or convert safetensors files and sharded checkpoints (no config.json needed).",
        subcommands = {SafetensorsCommand.Info.class, SafetensorsCommand.Convert.class})
public final class SafetensorsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "List the tensors (dtype, shape, bytes) and metadata of a .safetensors file or of a checkpoint "
                    + "directory (model.safetensors or shards named by model.safetensors.index.json). Validates every header.")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "PATH", description = "a .safetensors file or a checkpoint directory")
        Path path;

        @Option(names = "--json", description = "print one JSON object")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Map<String, String> metadata = Files.isRegularFile(path) ? metadataOf(path) : Map.of();
            try (Checkpoint cp = Checkpoint.open(path)) {
                List<Map<String, Object>> rows = new ArrayList<>();
                long bytes = 0, params = 0;
                for (var e : cp.tensors().entrySet()) {
                    Tensor t = e.getValue();
                    bytes += t.byteSize();
                    params += t.numel();
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("name", e.getKey());
                    row.put("dtype", t.dtype().safetensorsName);
                    row.put("shape", t.shape());
                    row.put("bytes", t.byteSize());
                    rows.add(row);
                }
                if (json) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("metadata", metadata);
                    o.put("parameters", params);
                    o.put("bytes", bytes);
                    o.put("tensors", rows);
                    out.println(Json.write(o));
                } else {
                    metadata.forEach((k, v) -> out.println("metadata " + k + ": " + v));
                    out.printf("parameters: %,d%nbytes:      %,d%ntensors (%d):%n", params, bytes, rows.size());
                    for (var r : rows) {
                        out.printf("  %-60s %-5s %-16s %,d%n", r.get("name"), r.get("dtype"),
                                Arrays.toString((long[]) r.get("shape")), (Long) r.get("bytes"));
                    }
                }
            }
            return 0;
        }

        private static Map<String, String> metadataOf(Path file) throws java.io.IOException {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                return new LinkedHashMap<>(f.metadata());
            }
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Write all tensors of a .safetensors file or checkpoint directory into one .safetensors file, "
                    + "optionally converting floating-point tensors to another dtype (round to nearest even). "
                    + "The output is written atomically.")
    static final class Convert implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "IN", description = "a .safetensors file or a checkpoint directory")
        Path in;

        @Parameters(index = "1", paramLabel = "OUT", description = "the .safetensors file to write")
        Path out;

        @Option(names = "--dtype", paramLabel = "f32|bf16|f16",
                description = "dtype for floating-point tensors (default: keep each tensor's dtype)")
        String dtype;

        @Override
        public Integer call() throws Exception {
            DType target = dtype == null ? null : DType.parse(dtype);
            if (target == DType.F64) throw new IllegalArgumentException("--dtype must be f32, bf16 or f16");
            Map<String, String> metadata = Files.isRegularFile(in) ? Info.metadataOf(in) : Map.of("format", "pt");
            try (Checkpoint cp = Checkpoint.open(in); Arena arena = Arena.ofConfined()) {
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                for (var e : cp.tensors().entrySet()) {
                    Tensor t = e.getValue();
                    boolean convert = target != null && t.dtype().isFloat() && t.dtype() != target;
                    tensors.put(e.getKey(), convert ? t.to(target, arena) : t);
                }
                SafetensorsWriter.write(out, tensors, metadata);
                spec.commandLine().getOut().println("wrote " + tensors.size() + " tensors to " + out);
            }
            return 0;
        }
    }
}
