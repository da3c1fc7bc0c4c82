package org.saifengine.cli;

import org.saifengine.backend.Backend;
import org.saifengine.backend.cpu.CpuBackend;
import org.saifengine.backend.cuda.CudaBackend;
import org.saifengine.backend.cuda.CudaProbe;
import org.saifengine.backend.cuda.CudaStatus;
import picocli.CommandLine.Option;

/**
 * The {@code --backend auto|cpu|cuda} option, a picocli mixin for every command that runs the model:
 * {@code @Mixin BackendOption backend;} then {@code backend.create()} (or {@code LoadedModel.open(spec, dtype, backend)}).
 * {@code cuda} without a usable device fails with one line (the Main error handler prints {@code error: ...} and
 * exits non-zero); {@code auto} silently uses the CPU unless the CUDA backend is usable.
 */
public final class BackendOption {
    public enum Choice { auto, cpu, cuda }

    /** Which backend a command runs on after {@link #resolve()}. */
    public enum Resolved { CPU, CUDA }

    /**
     * Whether {@code auto} may pick CUDA. It stays false until the CUDA backend implements every op of the
     * model's Backend interface; {@code --backend cuda} then still reports what is missing.
     */
    static final boolean AUTO_PICKS_CUDA = false;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|cpu|cuda",
            description = "Compute backend: auto (CPU unless a CUDA device and the CUDA backend are usable), cpu or "
                    + "cuda. Default: ${DEFAULT-VALUE}.")
    Choice choice = Choice.auto;

    /** The backend to run on: {@link CpuBackend#create()} or {@link CudaBackend#create()} per {@link #resolve()}. */
    public Backend create() {
        return switch (resolve()) {
            case CPU -> CpuBackend.create();
            case CUDA -> CudaBackend.create();
        };
    }

    public Choice choice() {
        return choice;
    }

    /** Resolves the choice; throws IllegalStateException with a one-line reason when cuda was asked but cannot run. */
    public Resolved resolve() {
        return switch (choice) {
            case cpu -> Resolved.CPU;
            case auto -> AUTO_PICKS_CUDA && CudaProbe.status().available() ? Resolved.CUDA : Resolved.CPU;
            case cuda -> {
                CudaStatus s = CudaProbe.status();
                if (!s.available()) throw new IllegalStateException("--backend cuda: " + s.describe());
                yield Resolved.CUDA;
            }
        };
    }
}
