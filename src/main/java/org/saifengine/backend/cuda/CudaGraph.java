package org.saifengine.backend.cuda;

import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.global.cudart;

/**
 * A captured, instantiated sequence of launches (e.g. one decode step) replayed with one cuGraphLaunch. Replays
 * read the same device addresses as the capture, so inputs change by writing into the captured buffers.
 */
public final class CudaGraph implements AutoCloseable {
    private final CudaDevice device;
    private final CUgraphExec_st exec;

    CudaGraph(CudaDevice device, CUgraphExec_st exec) {
        this.device = device;
        this.exec = exec;
    }

    public void launch() {
        device.bind();
        Cuda.check(cudart.cuGraphLaunch(exec, device.stream()), "cuGraphLaunch");
    }

    @Override
    public void close() {
        cudart.cuGraphExecDestroy(exec);
    }
}
