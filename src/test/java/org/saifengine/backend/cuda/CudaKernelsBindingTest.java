package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.saifengine.tensor.DType;

/**
 * Checks the Java side of every kernel launch without a GPU: each launcher of {@link CudaKernels} names a kernel
 * that exists in src/main/cuda/OP.cu and passes arguments whose kinds (pointer, long long, int, float) match the
 * kernel's signature one by one, and every extern "C" kernel in the sources has a launcher.
 */
class CudaKernelsBindingTest {
    static final Path CUDA_SRC = Path.of("src/main/cuda");
    static final Pattern KERNEL = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(([^)]*)\\)");
    static Map<String, String> signatures;  // "op/kernel" -> kinds

    record Recorded(String op, String kernel, Launch launch, String kinds) {}

    static final class Recorder implements KernelRunner {
        final List<Recorded> launches = new ArrayList<>();
        int fills;

        @Override
        public void launch(String op, String kernel, Launch launch, KernelArgs args) {
            launches.add(new Recorded(op, kernel, launch, args.kinds()));
        }

        @Override
        public void fill32(DeviceBuffer buffer, int pattern) {
            fills++;
        }

        @Override
        public int smCount() {
            return 132;
        }
    }

    static String kindOf(String param) {
        String p = param.strip();
        if (p.contains("*")) return "p";
        if (p.startsWith("long long")) return "l";
        if (p.startsWith("int ") || p.startsWith("unsigned ")) return "i";
        if (p.startsWith("float ")) return "f";
        throw new IllegalStateException("unknown parameter type: " + p);
    }

    @BeforeAll
    static void parseSources() throws IOException {
        signatures = new TreeMap<>();
        try (Stream<Path> files = Files.list(CUDA_SRC)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cu")).toList()) {
                String op = f.getFileName().toString().replace(".cu", "");
                Matcher m = KERNEL.matcher(Files.readString(f));
                while (m.find()) {
                    StringBuilder kinds = new StringBuilder();
                    for (String p : m.group(2).split(",")) kinds.append(kindOf(p));
                    signatures.put(op + "/" + m.group(1), kinds.toString());
                }
            }
        }
        assertFalse(signatures.isEmpty(), "no kernels found under " + CUDA_SRC.toAbsolutePath());
    }

    static DeviceBuffer buf() {
        return new DeviceBuffer(1L << 32, 1L << 40);
    }

    static List<Recorded> launchEverything() {
        Recorder r = new Recorder();
        CudaKernels k = new CudaKernels(r);
        DeviceBuffer b = buf();
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            k.rmsnormResidual(b, b, b, t, b, 3, 64, 1e-5f, 1f);
            k.embedding(b, b, t, b, 3, 64, 512, 8f);
            k.biasAdd(b, b, t, 3, 64);
            k.kvStore(b, b, 192, b, b, t, b, 3, 64);
            var shape = new CudaKernels.AttentionShape(8, 4, 8, 0.35f, 50f, 4096);
            k.attentionPrefill(b, 192, b, b, t, b, 16, b, 5, 0, 5, shape);
            k.attentionDecode(b, 192, b, b, t, b, 4, b, 16, b, b, 2, 40, shape);
            var sae = new CudaKernels.SaeWeights(b, b, b, b, b, t, 64, 300);
            k.saeEncodeTopK(b, sae, CudaKernels.SAE_JUMPRELU, b, b, b, b, 3, 10);
            k.saeDecode(b, b, b, null, t, b, 3, 10, 64);
            k.gemv(b, t, b, b, 100, 64, false);
        }
        k.rope(b, b, b, 3, 8, 8, 8, 192, 1f, false);
        k.add(b, b, 100);
        k.softcap(b, 1000, 30f);
        for (CudaKernels.Gate g : CudaKernels.Gate.values()) k.gatedActivation(g, b, b, b, 3, 128, 256);
        k.steerAdd(b, null, b, b, b, b, b, b, b, 2, 3, 64);
        k.f32ToBf16(b, b, 100);
        k.bf16ToF32(b, b, 100);
        k.argmax(b, 512, 512, b, 2);
        k.topP(b, 512, 512, b, b, b, b, b, 2);
        assertEquals(2, r.fills, "nnz is zeroed before each SAE encode");
        return r.launches;
    }

    @Test
    void everyLaunchMatchesItsKernelSignature() {
        for (Recorded l : launchEverything()) {
            String key = l.op() + "/" + l.kernel();
            String expected = signatures.get(key);
            assertTrue(expected != null, "kernel " + l.kernel() + " not found in " + CUDA_SRC.resolve(l.op() + ".cu"));
            assertEquals(expected, l.kinds(), "argument kinds of " + key);
        }
    }

    @Test
    void everyKernelInTheSourcesHasALauncher() {
        TreeSet<String> launched = new TreeSet<>();
        for (Recorded l : launchEverything()) launched.add(l.op() + "/" + l.kernel());
        TreeSet<String> orphans = new TreeSet<>(signatures.keySet());
        orphans.removeAll(launched);
        assertTrue(orphans.isEmpty(), "kernels without a Java launcher: " + orphans);
    }

    @Test
    void everyKernelFileStartsWithItsHeaderComment() throws IOException {
        try (Stream<Path> files = Files.list(CUDA_SRC)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cu")).toList()) {
                String text = Files.readString(f);
                String name = f.getFileName().toString();
                assertTrue(text.startsWith("// " + name + ":"), name + " must start with '// " + name + ": <what it computes>'");
                String header = text.substring(0, text.indexOf("#include"));
                assertTrue(header.contains("Traffic"), name + " header must state its memory traffic");
                assertTrue(header.contains("Launch"), name + " header must state its launch geometry");
            }
        }
    }

    @Test
    void launchersRejectBadShapesBeforeTouchingTheDevice() {
        Recorder r = new Recorder();
        CudaKernels k = new CudaKernels(r);
        DeviceBuffer small = new DeviceBuffer(1L << 32, 64);
        DeviceBuffer b = buf();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> k.rmsnormResidual(small, null, b, DType.F32, b, 3, 64, 1e-5f, 0f));
        assertTrue(e.getMessage().contains("residual"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> k.gemv(b, DType.F16, b, b, 4, 4, false));
        assertThrows(IllegalArgumentException.class, () -> k.softcap(b, 10, 0f));
        var sae = new CudaKernels.SaeWeights(b, b, null, null, b, DType.F32, 64, 300);
        assertThrows(IllegalArgumentException.class, () -> k.saeEncodeTopK(b, sae, CudaKernels.SAE_JUMPRELU, b, null, b, b, 1, 4));
        var shape = new CudaKernels.AttentionShape(8, 4, 8, 1f, 0f, 0);
        assertThrows(IllegalArgumentException.class, () -> k.attentionPrefill(b, 192, b, b, DType.F32, b, 16, b, 5, 3, 6, shape));
        assertTrue(r.launches.isEmpty(), "nothing was launched");
    }
}
