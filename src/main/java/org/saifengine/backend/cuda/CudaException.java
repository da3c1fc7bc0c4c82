package org.saifengine.backend.cuda;

/** A CUDA driver, runtime or cuBLAS call failed; the message names the call, the status and its name. */
public final class CudaException extends RuntimeException {
    public CudaException(String message) {
        super(message);
    }
}
