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
    private record Key(String model, String sae, int saeLayer, String task) {}

    private static final Map<Key, ExecutorEngine> LOADED = new ConcurrentHashMap<>();
    private static final Map<String, EngineSession> MODELS = new ConcurrentHashMap<>();

    /** The model of this spec, opened once per JVM; lock on it while using it. */
    static EngineSession model(String spec) {
        return MODELS.computeIfAbsent(spec, k -> {
            try {
                return EngineSession.open(ModelFiles.open(k));
            } catch (IOException e) {
                throw new UncheckedIOException("executor could not load the model " + k + ": " + e.getMessage(), e);
            }
        });
    }

    static ExecutorEngine get(DistributedFind.Job job) {
        return LOADED.computeIfAbsent(new Key(job.model(), job.sae(), job.saeLayer(), job.task()), k -> {
            try {
                Task t = TaskSuite.load(k.task());
                SaeDictionary sae = SaeDictionary.load(Path.of(k.sae()), k.saeLayer());
                return new ExecutorEngine(model(k.model()), sae, t, TaskContents.load(t));
            } catch (IOException e) {
                throw new UncheckedIOException("executor could not load the model, SAE or task: " + e.getMessage(), e);
            }
        });
    }

    Object lock() {
        return lm;
    }
}
