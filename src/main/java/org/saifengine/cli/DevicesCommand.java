package org.saifengine.cli;

import java.util.concurrent.Callable;
import org.saifengine.backend.cuda.CudaDevice;
import org.saifengine.backend.cuda.CudaProbe;
import org.saifengine.backend.cuda.CudaStatus;
import picocli.CommandLine.Command;

/** {@code engine devices}: says which compute devices this machine offers and whether the jar carries CUDA kernels. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Lists the compute backends available here (CPU always; CUDA when a driver and device are present).")
public final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("cpu: " + Runtime.getRuntime().availableProcessors() + " threads");
        CudaStatus s = CudaProbe.status();
        System.out.println("cuda: " + s.describe());
        System.out.println("cuda kernels in jar: " + (CudaDevice.hasKernels("rmsnorm") ? "yes" : "no (built without nvcc 13.0)"));
        return 0;
    }
}
