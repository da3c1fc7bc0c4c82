package org.saifengine.saif;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Runs the generations of {@code saif eval} on a distributed engine (the saif-engine-spark module, found through
 * {@link ServiceLoader} when it is on the class path; the engine jar carries none).
 */
public interface DistributedEval {
    /**
     * What executors need to rebuild the eval's setup and generate: paths readable on every executor.
     *
     * @param run          run directory of saif find
     * @param model        model spec
     * @param sae          SAE path (for the random-latent control)
     * @param saeLayer     SAE layer override, -1 = from its files
     * @param partitions   partitions of the batches, 0 = the engine's default parallelism
     */
    record Job(String run, String model, String sae, int saeLayer, SaifParams params, EvalParams eval, int partitions)
            implements Serializable {}

    /** The outputs of jobs from..jobs-1 of {@link EvalRun#jobs}, in job order, generated in the eval's batches from {@code from}. */
    List<String> generate(String master, Job job, int from) throws IOException;

    static DistributedEval load() {
        return ServiceLoader.load(DistributedEval.class).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "--spark needs the saif-engine-spark module on the class path; run through scripts/spark-saif "
                        + "(see docs/scale-out.md)"));
    }
}
