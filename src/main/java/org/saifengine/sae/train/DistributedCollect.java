package org.saifengine.sae.train;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Runs the activation collection of {@code sae collect} on a distributed engine: executors run the model over
 * partitions of the corpus windows and each writes one part ({@link ActivationShards#writePart}) into the output
 * directory, which must be on a filesystem every executor and the driver share. The engine jar has no
 * implementation; the saif-engine-spark module provides one through {@link ServiceLoader}.
 */
public interface DistributedCollect {
    /**
     * @param model      model spec the executors open (a path readable on every executor)
     * @param hook       hook point, e.g. blocks.2.hook_resid_post
     * @param out        output directory (absolute, shared)
     * @param partitions partitions of the windows; 0 = the engine's default parallelism
     */
    record Job(String model, String hook, String out, int partitions) implements Serializable {}

    /** One written part: its file name, how many windows and vectors. */
    record Part(String file, int windows, long tokens) implements Serializable {}

    /** Writes the parts of these windows (indexes 0..n-1 in list order) and returns them in partition order. */
    List<Part> collect(String master, Job job, List<int[]> windows) throws IOException;

    static DistributedCollect load() {
        return ServiceLoader.load(DistributedCollect.class).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "--spark needs the saif-engine-spark module on the class path; run through scripts/spark-saif "
                        + "(see docs/scale-out.md)"));
    }
}
