package org.saifengine.spark;

import org.saifengine.io.ModelFiles;
import org.saifengine.saif.DistributedFind;
import org.saifengine.saif.EngineSession;
import org.saifengine.saif.SaeDictionary;
import org.saifengine.saif.Task;
import org.saifengine.saif.TaskContents;
import org.saifengine.saif.TaskSuite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The model, SAE and task an executor JVM works with, loaded once per JVM (per distinct sources) and kept for every
 * later task and job of that JVM: loading Gemma-2-9B takes far longer than one partition. Tasks running in the same
 * JVM (several cores per executor, or local[n]) share it and take turns on it through {@link #lock()}, since one
 * forward pass already uses every core (or the whole GPU).
 */
record ExecutorEngine(EngineSession lm, SaeDictionary sae, Task task, TaskContents contents) {
    private record Key(String model, String sae, int saeLayer, String task, ExecutorDevice device) {}

    private static final Map<Key, ExecutorEngine> LOADED = new ConcurrentHashMap<>();
    private static final Map<String, EngineSession> MODELS = new ConcurrentHashMap<>();

    /**
     * The model of this spec on the device of the task running on this thread ({@link ExecutorDevice#current()}: the
     * GPU Spark assigned, else the CPU), opened once per JVM and device; lock on it while using it.
     */
    static EngineSession model(String spec) {
        return model(spec, ExecutorDevice.current());
    }

    static EngineSession model(String spec, ExecutorDevice device) {
        return MODELS.computeIfAbsent(spec + "@" + device.cudaOrdinal(), k -> {
            try {
                return EngineSession.open(ModelFiles.open(spec), device.loadOptions());
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("executor could not load the model " + spec + " on " + device + ": " + e.getMessage(), e);
            }
        });
    }

    static ExecutorEngine get(DistributedFind.Job job) {
        ExecutorDevice device = ExecutorDevice.current();
        return LOADED.computeIfAbsent(new Key(job.model(), job.sae(), job.saeLayer(), job.task(), device), k -> {
            try {
                Task t = TaskSuite.load(k.task());
                SaeDictionary sae = SaeDictionary.load(Path.of(k.sae()), k.saeLayer());
                return new ExecutorEngine(model(k.model(), device), sae, t, TaskContents.load(t));
            } catch (IOException e) {
                throw new UncheckedIOException("executor could not load the model, SAE or task: " + e.getMessage(), e);
            }
        });
    }

    Object lock() {
        return lm;
    }
}
