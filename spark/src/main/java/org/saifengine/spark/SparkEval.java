package org.saifengine.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.saifengine.saif.DistributedEval;
import org.saifengine.saif.EngineSession;
import org.saifengine.saif.EvalRun;
import org.saifengine.saif.SaeDictionary;
import org.saifengine.saif.SaifRun;
import org.saifengine.saif.Task;
import org.saifengine.saif.TaskContents;
import org.saifengine.saif.TaskSuite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * {@code saif eval --spark MASTER}: the eval's jobs (conditions x sweep points x contents, in EvalRun's fixed order)
 * are cut into the batches the single-process command uses; batches are partitioned, each task generates its batches
 * on the executor's model and returns (batch start, outputs), and the driver orders them by batch start. The driver
 * writes results.jsonl, summary.json and report.html with the single-process code, so the run directory is the same.
 * A retried task regenerates its batches; only the successful attempt's outputs reach the driver.
 */
public final class SparkEval implements DistributedEval {
    /** One batch's generations, as a task returns them. */
    record Batch(int start, ArrayList<String> outputs) implements java.io.Serializable {}

    /** Setups per job, built once per JVM (the SAE load behind the random control is large at Gemma Scope widths). */
    private static final Map<Job, EvalRun.Setup> SETUPS = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public List<String> generate(String master, Job job, int from) throws IOException {
        int total = EvalRun.jobs(setup(job)).size(), batch = job.eval().batchSize();
        if (from % batch != 0) throw new IllegalArgumentException("eval batches start at multiples of " + batch + ", got " + from);
        List<Integer> starts = IntStream.iterate(from, b -> b < total, b -> b + batch).boxed().toList();
        if (starts.isEmpty()) return List.of();
        SparkConf conf = new SparkConf().setAppName("saif eval " + job.run()).setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.executor.extraJavaOptions", SparkFind.EXECUTOR_FLAGS);
        if (master != null && !master.isBlank()) conf.setMaster(master);
        int failPartition = conf.getInt(SparkFind.FAIL_FIRST_ATTEMPT_OF_PARTITION, -1);
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            int parts = Math.min(starts.size(), job.partitions() > 0 ? job.partitions() : sc.defaultParallelism());
            List<Batch> done = new ArrayList<>(sc.parallelize(starts, parts)
                    .mapPartitions(it -> {
                        TaskContext ctx = TaskContext.get();
                        if (ctx != null && ctx.partitionId() == failPartition && ctx.attemptNumber() == 0) {
                            SparkFind.INJECTED_FAILURES.incrementAndGet();
                            throw new IllegalStateException("injected failure of the first attempt of partition " + failPartition);
                        }
                        EvalRun.Setup s = setup(job);
                        EngineSession lm = ExecutorEngine.model(job.model());
                        List<Batch> out = new ArrayList<>();
                        synchronized (lm) {
                            while (it.hasNext()) {
                                int b = it.next();
                                out.add(new Batch(b, new ArrayList<>(EvalRun.generate(s, lm, b, Math.min(total, b + batch)))));
                            }
                        }
                        return out.iterator();
                    }).collect());
            done.sort(Comparator.comparingInt(Batch::start));
            List<String> outs = new ArrayList<>();
            for (Batch b : done) outs.addAll(b.outputs());
            if (outs.size() != total - from)
                throw new IllegalStateException("Spark returned " + outs.size() + " generations, expected " + (total - from));
            return outs;
        }
    }

    /** The eval's setup, rebuilt from the run directory (on the driver and on each executor). */
    static EvalRun.Setup setup(Job job) {
        return SETUPS.computeIfAbsent(job, SparkEval::load);
    }

    private static EvalRun.Setup load(Job job) {
        try {
            SaifRun run = SaifRun.open(Path.of(job.run()));
            Task task = TaskSuite.load(run.task());
            SaeDictionary sae = SaeDictionary.load(Path.of(job.sae()), job.saeLayer());
            return EvalRun.setup(run, task, TaskContents.load(task), job.params(), job.eval(), sae);
        } catch (IOException e) {
            throw new UncheckedIOException("could not rebuild the eval setup of " + job.run() + ": " + e.getMessage(), e);
        }
    }
}
