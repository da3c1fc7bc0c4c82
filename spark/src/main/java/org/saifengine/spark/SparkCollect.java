package org.saifengine.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.saifengine.model.HookPoint;
import org.saifengine.saif.EngineSession;
import org.saifengine.sae.train.ActivationShards;
import org.saifengine.sae.train.DistributedCollect;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * {@code sae collect --spark MASTER}: the corpus windows (token ids, tokenized on the driver) are parallelized in
 * contiguous slices; each task runs its slice on the executor's model (loaded once per JVM) and writes one part,
 * {@code part-<partition>.safetensors}, atomically into the shared output directory, then returns its counts. A
 * retried or speculative attempt rewrites the same part with the same bytes, and the reader takes each window from
 * the one part the manifest names for its partition, so nothing is counted twice. The driver writes the manifest.
 */
public final class SparkCollect implements DistributedCollect {
    /** One window with its corpus index, as shipped to a task. */
    record Window(int index, int[] ids) implements Serializable {}

    @Override
    public List<Part> collect(String master, Job job, List<int[]> windows) throws IOException {
        if (windows.isEmpty()) throw new IllegalArgumentException("no windows to collect");
        HookPoint.parse(job.hook());  // fails on the driver, not in every task
        SparkConf conf = new SparkConf().setAppName("sae collect " + job.hook()).setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.executor.extraJavaOptions", SparkFind.EXECUTOR_FLAGS);
        if (master != null && !master.isBlank()) conf.setMaster(master);
        int failPartition = conf.getInt(SparkFind.FAIL_FIRST_ATTEMPT_OF_PARTITION, -1);
        List<Window> items = IntStream.range(0, windows.size()).mapToObj(i -> new Window(i, windows.get(i))).toList();
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            int parts = Math.min(windows.size(), job.partitions() > 0 ? job.partitions() : sc.defaultParallelism());
            List<Part> done = new ArrayList<>(sc.parallelize(items, parts)
                    .mapPartitionsWithIndex((p, it) -> List.of(part(job, p, it, failPartition)).iterator(), false)
                    .filter(part -> part.windows() > 0)
                    .collect());
            done.sort(Comparator.comparing(Part::file));
            return done;
        }
    }

    /** One task: captures its windows on the executor's model and writes its part. */
    static Part part(Job job, int partition, java.util.Iterator<Window> it, int failPartition) {
        List<Window> mine = new ArrayList<>();
        it.forEachRemaining(mine::add);
        String name = ActivationShards.partName(partition);
        if (mine.isEmpty()) return new Part(name, 0, 0);
        EngineSession lm = ExecutorEngine.model(job.model());
        long rows;
        synchronized (lm) {
            try {
                rows = ActivationShards.writePart(lm.model(), HookPoint.parse(job.hook()),
                        mine.stream().mapToInt(Window::index).toArray(), mine.stream().map(Window::ids).toList(),
                        Path.of(job.out()).resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException("could not write " + name + " into " + job.out() + ": " + e.getMessage(), e);
            }
        }
        // Fault injection after the part is written: the retry must rewrite it, not add to it.
        TaskContext ctx = TaskContext.get();
        if (ctx != null && ctx.partitionId() == failPartition && ctx.attemptNumber() == 0) {
            SparkFind.INJECTED_FAILURES.incrementAndGet();
            throw new IllegalStateException("injected failure of the first attempt of partition " + failPartition);
        }
        return new Part(name, mine.size(), rows);
    }
}
