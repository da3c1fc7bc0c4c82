package org.saifengine.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.saifengine.saif.Content;
import org.saifengine.saif.DistributedFind;
import org.saifengine.saif.FindPartial;
import org.saifengine.saif.FindRun;
import org.saifengine.saif.LatentScores;
import org.saifengine.saif.Task;
import org.saifengine.saif.TaskContents;
import org.saifengine.saif.TaskSuite;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * {@code saif find --spark MASTER}: the discovery contents (by index) are split into partitions; each task runs its
 * contents' forward passes on the executor's {@link ExecutorEngine} and returns one {@link FindPartial} (per-latent
 * fire counts, activation sums and sums of squares per variant, plus residual sums per layer). The driver collects
 * the partials of the successful attempts only, one per partition, and merges them in partition order, so a
 * retried partition is recomputed from scratch and counted once, and the result does not depend on scheduling.
 */
public final class SparkFind implements DistributedFind {
    /**
     * Fault injection for the retry test: the first attempt of this partition throws (Spark conf; -1 = off).
     * Retries need a master that allows them: local[n,maxFailures], or spark.task.maxFailures on a cluster.
     */
    public static final String FAIL_FIRST_ATTEMPT_OF_PARTITION = "spark.saif.failFirstAttemptOfPartition";
    /** The engine's JVM flags, given to executor JVMs unless spark.executor.extraJavaOptions is set. */
    static final String EXECUTOR_FLAGS = "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED "
            + "--sun-misc-unsafe-memory-access=allow";
    /** Failures injected in this JVM (local mode: the test's JVM). */
    public static final AtomicInteger INJECTED_FAILURES = new AtomicInteger();

    @Override
    public FindPartial collect(String master, Job job) throws IOException {
        Task task = TaskSuite.load(job.task());
        int n = FindRun.discovery(TaskContents.load(task), job.params()).size();
        if (n == 0) throw new IllegalArgumentException("task " + task.name() + " has no discovery contents");
        SparkConf conf = new SparkConf().setAppName("saif find " + task.name()).setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.executor.extraJavaOptions", EXECUTOR_FLAGS);
        if (master != null && !master.isBlank()) conf.setMaster(master);
        int failPartition = conf.getInt(FAIL_FIRST_ATTEMPT_OF_PARTITION, -1);
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            int parts = Math.min(n, job.partitions() > 0 ? job.partitions() : sc.defaultParallelism());
            List<FindPartial> partials = sc.parallelize(IntStream.range(0, n).boxed().toList(), parts)
                    .mapPartitions(indexes -> List.of(partition(job, indexes, failPartition)).iterator())
                    .collect();
            FindPartial total = partials.getFirst();
            for (int i = 1; i < partials.size(); i++) total.merge(partials.get(i));
            if (job.out() != null) writeLatentTable(sc, total.scores(), Path.of(job.out()).resolve(LATENT_STATS));
            return total;
        }
    }

    /** The per-latent table, relative to the run directory: every latent's statistics (latents.json keeps the ranking). */
    static final String LATENT_STATS = "spark/latent-stats.parquet";
    static final StructType LATENT_SCHEMA = new StructType()
            .add("latent", DataTypes.IntegerType, false)
            .add("freq_p", DataTypes.FloatType, false)
            .add("freq_n", DataTypes.FloatType, false)
            .add("mean_p", DataTypes.FloatType, false)
            .add("mean_n", DataTypes.FloatType, false)
            .add("consistency", DataTypes.FloatType, false)
            .add("sensitivity", DataTypes.FloatType, false)
            .add("standardized", DataTypes.FloatType, false)
            .add("freq_by_variant", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("mean_by_variant", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    /**
     * Writes one row per latent of the merged statistics with Spark's DataFrame writer (Parquet, one file per slice of
     * latents; at Gemma Scope widths that is 131k rows), the table to query across runs and sweeps.
     */
    static void writeLatentTable(JavaSparkContext sc, LatentScores s, Path table) {
        List<Row> rows = new ArrayList<>(s.dSae());
        int variants = s.variantIds().size();
        for (int j = 0; j < s.dSae(); j++) {
            float[] fv = new float[variants], mv = new float[variants];
            for (int v = 0; v < variants; v++) {
                fv[v] = s.freqByVariant()[v][j];
                mv[v] = s.meanByVariant()[v][j];
            }
            rows.add(RowFactory.create(j, s.freqP()[j], s.freqN()[j], s.meanP()[j], s.meanN()[j], s.consistency()[j],
                    s.sensitivity()[j], s.standardized()[j], boxed(fv), boxed(mv)));
        }
        SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
        int slices = Math.max(1, Math.min(sc.defaultParallelism(), s.dSae() / 16384 + 1));
        spark.createDataFrame(sc.parallelize(rows, slices), LATENT_SCHEMA).write().mode(SaveMode.Overwrite).parquet(table.toString());
    }

    private static Float[] boxed(float[] a) {
        Float[] b = new Float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i];
        return b;
    }

    /** One task: the statistics of its contents, computed on the executor's engine. */
    static FindPartial partition(Job job, Iterator<Integer> indexes, int failPartition) {
        TaskContext ctx = TaskContext.get();
        if (ctx != null && ctx.partitionId() == failPartition && ctx.attemptNumber() == 0) {
            INJECTED_FAILURES.incrementAndGet();
            throw new IllegalStateException("injected failure of the first attempt of partition " + failPartition);
        }
        ExecutorEngine e = ExecutorEngine.get(job);
        List<Content> disc = FindRun.discovery(e.contents(), job.params());
        List<Content> mine = new ArrayList<>();
        indexes.forEachRemaining(i -> mine.add(disc.get(i)));
        synchronized (e.lock()) {
            FindPartial acc = FindPartial.empty(e.lm(), e.sae(), e.task(), job.params());
            for (Content c : mine) acc.add(e.lm(), e.sae(), e.task(), c, job.params());
            return acc;
        }
    }
}
