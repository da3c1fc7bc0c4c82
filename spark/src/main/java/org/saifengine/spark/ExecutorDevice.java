package org.saifengine.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.saifengine.backend.cuda.CudaBackend;
import org.saifengine.backend.cuda.CudaProbe;
import org.saifengine.backend.cuda.CudaStatus;
import org.saifengine.model.LoadOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The device a task's engine runs on: the GPU Spark assigned to the task (spark.executor.resource.gpu.amount and
 * spark.task.resource.gpu.amount, read from {@code TaskContext.get().resources()}), as a CUDA device ordinal; the CPU
 * when the task was assigned no GPU, or when CUDA cannot be used in this JVM (then one line says so, once per JVM).
 *
 * @param cudaOrdinal the CUDA device ordinal, or -1 for the CPU
 * @param address     the GPU address Spark assigned (null if none)
 */
record ExecutorDevice(int cudaOrdinal, String address) {
    static final ExecutorDevice CPU = new ExecutorDevice(-1, null);
    /** Notes already printed in this JVM (each once, however many tasks run here). */
    private static final Set<String> NOTED = ConcurrentHashMap.newKeySet();
    /** Every note printed, in order (for tests). */
    static final List<String> NOTES = java.util.Collections.synchronizedList(new ArrayList<>());

    boolean cpu() {
        return cudaOrdinal < 0;
    }

    /** The load options of this device: a CUDA backend on the ordinal, or the CPU defaults. */
    LoadOptions loadOptions() {
        return cpu() ? LoadOptions.defaults() : new LoadOptions(CudaBackend.create(cudaOrdinal), null);
    }

    @Override
    public String toString() {
        return cpu() ? "cpu" : "cuda:" + cudaOrdinal + " (Spark GPU address " + address + ")";
    }

    /** The device of the task running on this thread (the CPU outside a task). */
    static ExecutorDevice current() {
        return choose(assignedGpus(TaskContext.get()), System.getenv("CUDA_VISIBLE_DEVICES"), CudaProbe::status);
    }

    /** The GPU addresses Spark assigned to this task, in Spark's order; empty without GPU scheduling. */
    static List<String> assignedGpus(TaskContext ctx) {
        if (ctx == null) return List.of();
        ResourceInformation gpu = ctx.resourcesJMap().get("gpu");
        return gpu == null ? List.of() : Arrays.asList(gpu.addresses());
    }

    /**
     * Picks the device for these assigned addresses. The status is only asked for when a GPU was assigned, so a CPU
     * job never loads the CUDA libraries.
     *
     * @param visible CUDA_VISIBLE_DEVICES of this JVM, or null
     */
    static ExecutorDevice choose(List<String> addresses, String visible, Supplier<CudaStatus> status) {
        if (addresses.isEmpty()) return CPU;
        String address = addresses.getFirst();
        if (addresses.size() > 1)
            noteOnce("task was assigned GPUs " + addresses + "; the engine runs one model copy per task, on GPU " + address
                    + " (set spark.task.resource.gpu.amount=1)");
        CudaStatus s = status.get();
        if (!s.available()) {
            noteOnce("Spark assigned GPU " + address + " but CUDA cannot be used in this executor (" + s.describe()
                    + "); running on the CPU");
            return CPU;
        }
        return new ExecutorDevice(ordinal(address, visible), address);
    }

    /**
     * The CUDA ordinal of a Spark GPU address. Spark's addresses are what the discovery script reports (nvidia-smi
     * indexes). When CUDA_VISIBLE_DEVICES restricts this JVM's devices, the driver numbers the visible ones 0..n-1, so
     * the ordinal is the address's position in that list; otherwise it is the address itself.
     */
    static int ordinal(String address, String visible) {
        String a = address.strip();
        if (visible != null && !visible.isBlank()) {
            List<String> vis = Arrays.stream(visible.split(",")).map(String::strip).toList();
            int i = vis.indexOf(a);
            if (i >= 0) return i;
        }
        try {
            int n = Integer.parseInt(a);
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Spark GPU address '" + address + "' is not a device index"
                    + (visible == null || visible.isBlank() ? "" : " nor one of CUDA_VISIBLE_DEVICES=" + visible)
                    + ": the discovery script must report nvidia-smi indexes");
        }
    }

    private static void noteOnce(String note) {
        if (NOTED.add(note)) {
            NOTES.add(note);
            System.err.println("saif executor: " + note);
        }
    }
}
