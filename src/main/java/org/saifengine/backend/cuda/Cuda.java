package org.saifengine.backend.cuda;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

/** Status checks for driver and cuBLAS calls: every non-success status becomes a CudaException naming the call. */
final class Cuda {
    private Cuda() {}

    static void check(int status, String call) {
        if (status != cudart.CUDA_SUCCESS) throw new CudaException(call + " failed: " + errorName(status));
    }

    static void checkBlas(int status, String call) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            String name;
            try {
                name = cublas.cublasGetStatusString(status).getString();
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                name = "status " + status;
            }
            throw new CudaException(call + " failed: " + name);
        }
    }

    static String errorName(int status) {
        try (PointerPointer<?> p = new PointerPointer<>(1)) {
            if (cudart.cuGetErrorName(status, p) == cudart.CUDA_SUCCESS && p.get(0) != null) {
                return new BytePointer(p.get(0)).getString() + " (" + status + ")";
            }
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // fall through to the bare number
        }
        return "CUresult " + status;
    }

    static int attribute(int attribute, int device) {
        int[] v = new int[1];
        check(cudart.cuDeviceGetAttribute(v, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
        return v[0];
    }
}
