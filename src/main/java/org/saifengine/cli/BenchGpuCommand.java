package org.saifengine.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.saifengine.backend.cuda.CudaProbe;
import org.saifengine.backend.cuda.CudaStatus;
import org.saifengine.backend.cuda.GpuBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code engine bench-gpu}: GPU micro-benchmarks on Gemma-2-2B shapes, written as markdown (docs/perf/gpu.md). */
@Command(name = "bench-gpu", mixinStandardHelpOptions = true,
        description = "Benchmarks the CUDA kernels (copy-bandwidth floor, batch-1 decode projections, SAE encode, steering)"
                + " and writes a markdown report.")
public final class BenchGpuCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "docs/perf/gpu.md", description = "report file (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        CudaStatus s = CudaProbe.status();
        if (!s.available()) throw new IllegalStateException("bench-gpu: " + s.describe());
        System.out.print(GpuBench.run(out));
        return 0;
    }
}
