package org.saifengine.cli;

import picocli.CommandLine.Option;

/**
 * {@code --spark MASTER} and {@code --spark-partitions N}, a picocli mixin for the commands whose model work can run
 * as a Spark job (sae collect, saif find, saif eval; the saif-engine-spark module, docs/scale-out.md).
 */
public final class SparkOption {
    @Option(names = "--spark", paramLabel = "MASTER", description = "run the model work (forward passes, generation) as a "
            + "Spark job on this master (local[2], spark://host:7077, k8s://...); needs the saif-engine-spark module "
            + "(scripts/spark-saif)")
    String master;

    @Option(names = "--spark-partitions", paramLabel = "N", defaultValue = "0", description = "partitions of the work for "
            + "--spark (windows, discovery contents or generation batches), 0 = Spark's default parallelism "
            + "(default: ${DEFAULT-VALUE})")
    int partitions;

    /** The master, or null to run in this process. */
    public String master() {
        return master;
    }

    /** The partitions asked for; commands call this before any work, so that a bad value fails first. */
    public int partitions() {
        if (partitions < 0) throw new IllegalArgumentException("--spark-partitions must be >= 0, got " + partitions);
        return partitions;
    }
}
