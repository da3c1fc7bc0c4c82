package org.saifengine.cli;

import org.saifengine.io.Json;
import org.saifengine.io.ModelFiles;
import org.saifengine.model.ModelConfig;
import org.saifengine.model.WeightManifest;
import org.saifengine.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Describes a model: architecture, configuration, parameter count, tensors. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's architecture, parameter count and tensors (dtype, shape, bytes).")
public final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "model: HF directory, .gguf file, or default (the fetched SmolLM2-135M-Instruct)")
    String model;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (ModelFiles files = LoadedModel.openFiles(model)) {
            java.io.PrintWriter out = spec.commandLine().getOut();
            ModelConfig c = ModelConfig.fromJson(files.config());
            // Binding checks presence and shapes without running anything.
            var manifest = WeightManifest.of(c);
            long params = 0, bytes = 0;
            List<Map<String, Object>> rows = new ArrayList<>();
            for (var e : files.weights().tensors().entrySet()) {
                Tensor t = e.getValue();
                params += t.numel();
                bytes += t.byteSize();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", e.getKey());
                row.put("dtype", t.dtype().name());
                row.put("shape", t.shape());
                row.put("bytes", t.byteSize());
                rows.add(row);
            }
            for (var spec : manifest) {
                if (spec.need() == org.saifengine.model.TensorSpec.Need.REQUIRED && !files.weights().has(spec.name())) {
                    throw new IllegalArgumentException("tensor '" + spec.name() + "' is missing from the checkpoint");
                }
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("architecture", c.architecture().hfName);
                o.put("config", c.toString());
                o.put("parameters", params);
                o.put("bytes", bytes);
                o.put("tensors", rows);
                out.println(Json.write(o));
            } else {
                out.println("architecture: " + c.architecture().hfName);
                out.println("config:       " + c);
                out.printf("parameters:   %,d%n", params);
                out.printf("bytes:        %,d%n", bytes);
                out.println("tensors (" + rows.size() + "):");
                for (var r : rows) {
                    out.printf("  %-60s %-5s %-16s %,d%n", r.get("name"), r.get("dtype"),
                            Arrays.toString((long[]) r.get("shape")), (Long) r.get("bytes"));
                }
            }
        }
        return 0;
    }
}
