package org.saifengine.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.saifengine.saif.DistributedEval;
import org.saifengine.saif.EngineSession;
import org.saifengine.saif.EvalJob;
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
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * {@code saif eval --spark MASTER}: the eval's jobs (conditions x sweep points x contents, in EvalRun's fixed order)
 * are cut into the batches the single-process command uses; batches are partitioned, each task generates its batches
 * on the executor's model and gives one row per generation (job index, batch, condition, sweep point, output), which
 * Spark's DataFrame writer stores as Parquet in RUN/spark/generations.parquet. The driver reads the table back in job
 * order and writes results.jsonl, summary.json and report.html with the single-process code, so the run directory is
 * the same. A retried task regenerates its batches; Spark commits only the successful attempt's files.
 */
public final class SparkEval implements DistributedEval {
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
            // Each task generates its batches and returns one row per generation; Spark's DataFrame writer stores
            // them as Parquet (only a successful attempt's files are committed), and the driver reads them back.
            List<EvalJob> jobs = EvalRun.jobs(setup(job));
            JavaRDD<Row> rows = sc.parallelize(starts, parts).mapPartitions(it -> {
                TaskContext ctx = TaskContext.get();
                if (ctx != null && ctx.partitionId() == failPartition && ctx.attemptNumber() == 0) {
                    SparkFind.INJECTED_FAILURES.incrementAndGet();
                    throw new IllegalStateException("injected failure of the first attempt of partition " + failPartition);
                }
                EvalRun.Setup s = setup(job);
                List<EvalJob> js = EvalRun.jobs(s);
                EngineSession lm = ExecutorEngine.model(job.model());
                List<Row> out = new ArrayList<>();
                synchronized (lm) {
                    while (it.hasNext()) {
                        int b = it.next();
                        List<String> gens = EvalRun.generate(s, lm, b, Math.min(total, b + batch));
                        for (int i = 0; i < gens.size(); i++) out.add(row(b + i, b, js.get(b + i), gens.get(i)));
                    }
                }
                return out.iterator();
            });
            Path table = Path.of(job.run()).resolve(GENERATIONS);
            SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
            spark.createDataFrame(rows, SCHEMA).write().mode(SaveMode.Overwrite).parquet(table.toString());
            List<Row> back = spark.read().parquet(table.toString()).orderBy("job").collectAsList();
            List<String> outs = new ArrayList<>();
            for (int i = 0; i < back.size(); i++) {
                Row r = back.get(i);
                if (r.getInt(0) != from + i)
                    throw new IllegalStateException(table + ": row " + i + " is job " + r.getInt(0) + ", expected " + (from + i));
                if (!r.getString(3).equals(jobs.get(from + i).method()))
                    throw new IllegalStateException(table + ": job " + (from + i) + " has method " + r.getString(3) + ", expected " + jobs.get(from + i).method());
                outs.add(r.getString(r.fieldIndex("output")));
            }
            if (outs.size() != total - from)
                throw new IllegalStateException("Spark returned " + outs.size() + " generations, expected " + (total - from));
            return outs;
        }
    }

    /** The generations table, relative to the run directory: one row per generation of this call's jobs. */
    static final String GENERATIONS = "spark/generations.parquet";
    static final StructType SCHEMA = new StructType()
            .add("job", DataTypes.IntegerType, false)
            .add("batch", DataTypes.IntegerType, false)
            .add("content_id", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("instruction", DataTypes.StringType, false)
            .add("k", DataTypes.IntegerType, false)
            .add("alpha", DataTypes.DoubleType, false)
            .add("layer", DataTypes.IntegerType, false)
            .add("output", DataTypes.StringType, false);

    static Row row(int index, int batch, EvalJob j, String output) {
        return RowFactory.create(index, batch, j.contentId(), j.method(), j.instruction(), j.k(), j.alpha(), j.layer(), output);
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
