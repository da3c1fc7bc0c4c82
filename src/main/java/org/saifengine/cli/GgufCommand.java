package org.saifengine.cli;

import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.io.gguf.GgufFile;
import org.saifengine.io.gguf.GgufTensorInfo;
import org.saifengine.io.gguf.GgufValue;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Looks inside GGUF files: {@code engine gguf info} and {@code engine gguf dump}. */
@Command(name = "gguf", description = "Inspect GGUF files.", subcommands = {GgufCommand.Info.class, GgufCommand.Dump.class, GgufCommand.Matmul.class})
public final class GgufCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "info", description = "Print a GGUF file's version, metadata and tensor list as JSON.")
    static final class Info implements Callable<Integer> {
        @Option(names = "--file", required = true, description = "GGUF file")
        Path file;

        @Option(names = "--full", description = "print long arrays in full (default: abbreviated)")
        boolean full;

        @Override
        public Integer call() throws Exception {
            try (GgufFile g = GgufFile.open(file)) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("version", g.version());
                out.put("alignment", g.alignment());
                Map<String, Object> md = new LinkedHashMap<>();
                for (var e : g.metadata().entrySet()) md.put(e.getKey(), full || e.getValue().type() != org.saifengine.io.gguf.GgufValueType.ARRAY
                            ? plain(e.getValue()) : e.getValue().preview());
                out.put("metadata", md);
                List<Map<String, Object>> ts = new ArrayList<>();
                for (GgufTensorInfo t : g.tensors().values()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", t.name());
                    m.put("type", t.type().name());
                    m.put("shape", t.shape());
                    m.put("offset", t.offset());
                    m.put("bytes", t.bytes());
                    ts.add(m);
                }
                out.put("tensors", ts);
                System.out.println(Json.pretty(out));
            }
            return 0;
        }

        private static Object plain(GgufValue v) {
            if (v.value() instanceof List<?> l) {
                return l.stream().map(o -> o instanceof GgufValue g ? plain(g)
                        : v.elementType() == org.saifengine.io.gguf.GgufValueType.UINT64 ? unsigned((Long) o) : o).toList();
            }
            return v.type() == org.saifengine.io.gguf.GgufValueType.UINT64 ? unsigned((Long) v.value()) : v.value();
        }

        private static Object unsigned(long x) {
            return x >= 0 ? x : new java.math.BigInteger(Long.toUnsignedString(x));
        }
    }

    @Command(name = "dump", description = "Dequantize tensors (GGUF names and layout, no renaming) into a safetensors file.")
    static final class Dump implements Callable<Integer> {
        @Option(names = "--file", required = true, description = "GGUF file")
        Path file;

        @Option(names = "--tensor", description = "tensor name (repeatable); default: all tensors")
        List<String> names;

        @Option(names = "--out", required = true, description = "output .safetensors file")
        Path out;

        @Option(names = "--dtype", defaultValue = "f32", description = "f32 (exact) or bf16 (rounded)")
        String dtype;

        @Override
        public Integer call() throws Exception {
            DType target = DType.parse(dtype);
            try (GgufFile g = GgufFile.open(file); Arena arena = Arena.ofConfined()) {
                List<GgufTensorInfo> chosen = new ArrayList<>();
                if (names == null || names.isEmpty()) chosen.addAll(g.tensors().values());
                else for (String n : names) chosen.add(g.tensor(n));
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                for (GgufTensorInfo t : chosen) tensors.put(t.name(), g.dequantize(t, target, arena));
                SafetensorsWriter.write(out, tensors, Map.of("source", file.getFileName().toString()));
            }
            return 0;
        }
    }

    @Command(name = "matmul", description = "Multiply activations by one GGUF matrix on the CPU backend (y = x W^T): "
            + "on its quantized blocks (native) or on the dequantized f32 matrix. For checking the quantized kernels.")
    static final class Matmul implements Callable<Integer> {
        @Option(names = "--file", required = true, description = "GGUF file")
        Path file;

        @Option(names = "--tensor", required = true, description = "a 2-D tensor [out, in] (GGUF name); repeatable, all with the same in")
        List<String> names;

        @Option(names = "--input", required = true, description = ".npy of f32 activations [rows, in]")
        Path input;

        @Option(names = "--out", required = true, description = "output .safetensors file: one [rows, out] tensor per --tensor, same name")
        Path out;

        @Option(names = "--dtype", defaultValue = "native",
                description = "native (Q8_0/Q4_0/Q4_1 blocks as stored) or f32 (dequantized first); default ${DEFAULT-VALUE}")
        String dtype;

        @Option(names = "--scalar", description = "the scalar reference backend instead of the Vector API one")
        boolean scalar;

        @Override
        public Integer call() throws Exception {
            boolean keep = dtype.equalsIgnoreCase("native");
            if (!keep && DType.parse(dtype) != DType.F32) throw new IllegalArgumentException("--dtype must be native or f32, not " + dtype);
            org.saifengine.io.npy.NpyArray x = org.saifengine.io.npy.NpyReader.read(input);
            try (GgufFile g = GgufFile.open(file); Arena arena = Arena.ofShared();
                 org.saifengine.backend.cpu.CpuBackend be = scalar ? org.saifengine.backend.cpu.CpuBackend.scalar()
                         : org.saifengine.backend.cpu.CpuBackend.create()) {
                Map<String, Tensor> results = new LinkedHashMap<>();
                for (String name : names) {
                    GgufTensorInfo t = g.tensor(name);
                    long[] shape = t.shape();
                    if (shape.length != 2) throw new IllegalArgumentException("tensor '" + name + "' has shape " + java.util.Arrays.toString(shape) + "; a matmul needs [out, in]");
                    if (x.rank() != 2 || x.shape()[1] != shape[1]) {
                        throw new IllegalArgumentException("input has shape " + java.util.Arrays.toString(x.shape()) + "; tensor '" + name + "' needs [rows, " + shape[1] + "]");
                    }
                    Tensor w;
                    if (keep) {
                        DType blocks = org.saifengine.io.gguf.GgufModelFiles.blockType(t.type());
                        if (blocks == null) throw new IllegalArgumentException("tensor '" + name + "' is " + t.type() + "; native matmul reads Q8_0, Q4_0 or Q4_1");
                        w = new Tensor(blocks, shape, g.raw(t));
                    } else {
                        w = g.dequantize(t, DType.F32, arena);
                    }
                    int rows = (int) x.shape()[0], outDim = (int) shape[0];
                    org.saifengine.backend.Buf xb = be.allocate(x.data().length), yb = be.allocate((long) rows * outDim);
                    be.upload(x.data(), 0, xb, 0, x.data().length);
                    be.matmul(xb, rows, be.weight(name, w), null, yb);
                    float[] y = new float[rows * outDim];
                    be.download(yb, 0, y, 0, y.length);
                    results.put(name, Tensor.ofFloats(arena, y, rows, outDim));
                }
                SafetensorsWriter.write(out, results, Map.of("dtype", dtype));
            }
            return 0;
        }
    }
}
