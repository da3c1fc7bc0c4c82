package org.saifengine.backend.cuda;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;
import org.saifengine.tensor.DType;

/**
 * cuBLAS projections: Y[n, out] = X[n, in] * W[out, in]^T (+ beta * Y), the Hugging Face Linear layout, with f32
 * accumulation (CUBLAS_COMPUTE_32F, no TF32). For BF16 weights X must be BF16 too (convert with
 * {@link CudaKernels#f32ToBf16}); Y is always f32. Row-major Y^T = W X^T is column-major Y, hence OP_T on W.
 */
public final class Cublas implements AutoCloseable {
    private final CudaDevice device;
    private final cublasContext handle = new cublasContext();
    private final FloatPointer one = new FloatPointer(1).put(1f);
    private final FloatPointer zero = new FloatPointer(1).put(0f);

    public Cublas(CudaDevice device) {
        this.device = device;
        device.bind();
        Cuda.checkBlas(cublas.cublasCreate_v2(handle), "cublasCreate");
        Cuda.checkBlas(cublas.cublasSetStream_v2(handle, device.stream()), "cublasSetStream");
        Cuda.checkBlas(cublas.cublasSetMathMode(handle, cublas.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    }

    static int cudaType(DType t) {
        return switch (t) {
            case F32 -> cudart.CUDA_R_32F;
            case BF16 -> cudart.CUDA_R_16BF;
            default -> throw new IllegalArgumentException("cuBLAS projections take F32 or BF16, got " + t);
        };
    }

    /** y = x w^T, or y += x w^T when accumulate. x and w share {@code dtype}; y is f32 [n, out]. */
    public void linear(DeviceBuffer x, DeviceBuffer w, DType dtype, DeviceBuffer y, int n, int in, int out, boolean accumulate) {
        if (n < 1 || in < 1 || out < 1) throw new IllegalArgumentException("linear shape must be positive: n=" + n + " in=" + in + " out=" + out);
        if (x.bytes() < (long) dtype.bytes * n * in) throw new IllegalArgumentException("linear input too small for [" + n + ", " + in + "]");
        if (w.bytes() < (long) dtype.bytes * out * in) throw new IllegalArgumentException("linear weight too small for [" + out + ", " + in + "]");
        if (y.bytes() < 4L * n * out) throw new IllegalArgumentException("linear output too small for [" + n + ", " + out + "]");
        int t = cudaType(dtype);
        device.bind();
        Cuda.checkBlas(cublas.cublasGemmEx(handle, cublas.CUBLAS_OP_T, cublas.CUBLAS_OP_N, out, n, in, one,
                new RawPointer(w.address()), t, in, new RawPointer(x.address()), t, in, accumulate ? one : zero,
                new RawPointer(y.address()), cudart.CUDA_R_32F, out, cublas.CUBLAS_COMPUTE_32F, cublas.CUBLAS_GEMM_DEFAULT),
                "cublasGemmEx");
    }

    @Override
    public void close() {
        cublas.cublasDestroy_v2(handle);
        one.close();
        zero.close();
    }
}
