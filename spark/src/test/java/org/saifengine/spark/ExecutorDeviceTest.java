package org.saifengine.spark;

import org.junit.jupiter.api.Test;
import org.saifengine.backend.cuda.CudaStatus;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The GPU a task was assigned by Spark's resource scheduling becomes the engine's CUDA device ordinal; without CUDA
 * the executor falls back to the CPU and says so once per JVM; a job without GPU scheduling never probes CUDA.
 * Spark does not schedule GPUs in local mode (tasks that ask for one wait forever), so the TaskContext side is
 * exercised on a cluster only; see docs/scale-out.md.
 */
class ExecutorDeviceTest {
    static final CudaStatus H100 = new CudaStatus(true, "", "NVIDIA H100", 9, 0, 132, 80L << 30, 13000);
    static final CudaStatus NONE = new CudaStatus(false, "NVIDIA driver library libcuda.so.1 not found", "", 0, 0, 0, 0, 0);
    static final Supplier<CudaStatus> MUST_NOT_PROBE = () -> { throw new AssertionError("probed CUDA without an assigned GPU"); };

    @Test
    void addressBecomesTheCudaOrdinal() {
        assertEquals(0, ExecutorDevice.ordinal("0", null));
        assertEquals(3, ExecutorDevice.ordinal("3", ""));
        // CUDA_VISIBLE_DEVICES renumbers the devices this process sees: physical 3 is ordinal 1 of "2,3"
        assertEquals(1, ExecutorDevice.ordinal("3", "2,3"));
        assertEquals(0, ExecutorDevice.ordinal(" 2 ", "2, 3"));
        var e = assertThrows(IllegalArgumentException.class, () -> ExecutorDevice.ordinal("GPU-8f2c", "0,1"));
        assertTrue(e.getMessage().contains("GPU-8f2c") && e.getMessage().contains("CUDA_VISIBLE_DEVICES=0,1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExecutorDevice.ordinal("-1", null));
    }

    @Test
    void choosesTheAssignedGpuOrTheCpu() {
        assertTrue(ExecutorDevice.choose(List.of(), null, MUST_NOT_PROBE).cpu(), "no GPU scheduled: CPU, CUDA not probed");
        ExecutorDevice d = ExecutorDevice.choose(List.of("1"), null, () -> H100);
        assertEquals(1, d.cudaOrdinal());
        assertEquals("1", d.address());
        assertEquals(0, ExecutorDevice.choose(List.of("5"), "5", () -> H100).cudaOrdinal());
        // Two GPUs for one task: the engine runs one model copy, on the first, and says so.
        assertEquals(4, ExecutorDevice.choose(List.of("4", "6"), null, () -> H100).cudaOrdinal());
        assertTrue(ExecutorDevice.NOTES.stream().anyMatch(n -> n.contains("[4, 6]") && n.contains("on GPU 4")), ExecutorDevice.NOTES.toString());
    }

    @Test
    void withoutCudaTheExecutorRunsOnTheCpuAndSaysSoOnce() {
        int before = countFallbacks();
        for (int i = 0; i < 3; i++) assertTrue(ExecutorDevice.choose(List.of("7"), null, () -> NONE).cpu());
        assertEquals(before + 1, countFallbacks(), "the CPU fallback is noted once per JVM: " + ExecutorDevice.NOTES);
        String note = ExecutorDevice.NOTES.stream().filter(n -> n.contains("GPU 7")).findFirst().orElseThrow();
        assertTrue(note.contains("libcuda.so.1") && note.contains("running on the CPU"), note);
    }

    static int countFallbacks() {
        synchronized (ExecutorDevice.NOTES) {
            return (int) ExecutorDevice.NOTES.stream().filter(n -> n.contains("running on the CPU")).count();
        }
    }
}
