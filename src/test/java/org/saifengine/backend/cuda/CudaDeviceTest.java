package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs everywhere (no tag). Checks device detection, and reports the GPU suites (tag "gpu": CudaKernelsGpuTest,
 * CudaModelGpuTest) as skipped with the reason when this machine has no CUDA device, so a CPU-only run shows that
 * the GPU part was not exercised rather than passing silently.
 */
class CudaDeviceTest {
    @Test
    void detectionGivesOneLine() {
        CudaStatus s = CudaProbe.status();
        String line = s.describe();
        assertFalse(line.isBlank());
        assertEquals(1, line.lines().count(), "one line: " + line);
        if (!s.available()) assertTrue(line.startsWith("no CUDA device: "), line);
        assertTrue(CudaProbe.status() == s, "probed once per JVM");
    }

    @Test
    void gpuKernelTestsNeedADevice() {
        CudaStatus s = CudaProbe.status();
        Assumptions.assumeTrue(s.available(), () -> "GPU kernel tests skipped: " + s.describe()
                + " (run benchmarks/gpu/run.sh on a machine with an NVIDIA GPU)");
        Assumptions.assumeTrue(CudaDevice.hasKernels("rmsnorm"), "GPU kernel tests skipped: the jar has no CUDA kernels"
                + " (built without nvcc 13.0)");
        // With a device: every compiled op loads and every kernel of its source resolves.
        try (CudaDevice d = CudaDevice.open()) {
            CudaKernelsBindingTest.parseSources();
            for (String key : CudaKernelsBindingTest.signatures.keySet()) {
                String[] opKernel = key.split("/");
                assertTrue(d.function(opKernel[0], opKernel[1]) != null, key);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyKernelSourceHasACompiledFatbinWhenKernelsWereBuilt() throws IOException {
        Assumptions.assumeTrue(CudaDevice.hasKernels("rmsnorm"),
                "kernel packaging not checked: this build found no nvcc 13.0 (native/build-kernels.sh --install)");
        List<String> ops;
        try (Stream<Path> files = Files.list(Path.of("src/main/cuda"))) {
            ops = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).map(n -> n.replace(".cu", "")).toList();
        }
        for (String op : ops) assertTrue(CudaDevice.hasKernels(op), "missing compiled kernel " + CudaDevice.resourceOf(op));
    }
}
