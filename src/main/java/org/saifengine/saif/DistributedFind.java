package org.saifengine.saif;

import java.io.IOException;
import java.io.Serializable;
import java.util.ServiceLoader;

/**
 * Runs the accumulation of {@code saif find} on a distributed engine. The engine jar has no implementation (so it
 * does not carry Spark); the saif-engine-spark module provides one through {@link ServiceLoader}, found when that
 * module is on the class path (scripts/spark-saif).
 */
public interface DistributedFind {
    /**
     * What executors need to redo the work: sources they open themselves (paths must be readable on every executor)
     * and the method's parameters.
     *
     * @param partitions number of partitions of the discovery contents; 0 = the engine's default parallelism
     * @param out        the run directory (absolute); the engine may add its own tables under out/spark/
     */
    record Job(String model, String sae, int saeLayer, String task, SaifParams params, int partitions, String out)
            implements Serializable {}

    /** The statistics of all discovery contents, merged in partition order. */
    FindPartial collect(String master, Job job) throws IOException;

    static DistributedFind load() {
        return ServiceLoader.load(DistributedFind.class).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "--spark needs the saif-engine-spark module on the class path; run through scripts/spark-saif "
                        + "(see docs/scale-out.md)"));
    }
}
