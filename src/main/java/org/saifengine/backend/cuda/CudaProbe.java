package org.saifengine.backend.cuda;

import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * Finds out, once per JVM, whether a CUDA device can be used. Loading the JavaCPP cudart wrapper throws
 * UnsatisfiedLinkError on a machine without libcuda.so.1 (no NVIDIA driver); that and every other failure becomes a
 * one-line reason instead of an exception, so the CPU path never sees a stack trace.
 */
public final class CudaProbe {
    private static volatile CudaStatus cached;

    private CudaProbe() {}

    public static CudaStatus status() {
        CudaStatus s = cached;
        if (s == null) {
            synchronized (CudaProbe.class) {
                if (cached == null) cached = probe();
                s = cached;
            }
        }
        return s;
    }

    private static CudaStatus probe() {
        if (Boolean.getBoolean("saif.cuda.disable")) return CudaStatus.unavailable("disabled by -Dsaif.cuda.disable=true");
        try {
            int rc = cudart.cuInit(0);
            if (rc != cudart.CUDA_SUCCESS) return CudaStatus.unavailable("cuInit failed: " + Cuda.errorName(rc));
            int[] count = new int[1];
            rc = cudart.cuDeviceGetCount(count);
            if (rc != cudart.CUDA_SUCCESS) return CudaStatus.unavailable("cuDeviceGetCount failed: " + Cuda.errorName(rc));
            if (count[0] < 1) return CudaStatus.unavailable("the driver reports no CUDA devices");
            int dev = 0;
            byte[] name = new byte[256];
            Cuda.check(cudart.cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
            int major = Cuda.attribute(cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            int minor = Cuda.attribute(cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            int sms = Cuda.attribute(cudart.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
            long mem;
            try (SizeTPointer p = new SizeTPointer(1)) {
                Cuda.check(cudart.cuDeviceTotalMem(p, dev), "cuDeviceTotalMem");
                mem = p.get();
            }
            int[] driver = new int[1];
            Cuda.check(cudart.cuDriverGetVersion(driver), "cuDriverGetVersion");
            if (major < 8) {
                return CudaStatus.unavailable("device " + cString(name) + " has compute capability " + major + "." + minor
                        + "; the kernels need sm_80 or newer");
            }
            try {
                org.bytedeco.javacpp.Loader.load(org.bytedeco.cuda.global.cublas.class);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                return CudaStatus.unavailable("cuBLAS not loadable (libcublas.so.13 / libcublasLt.so.13 missing from the"
                        + " library path): " + oneLine(e));
            }
            return new CudaStatus(true, "", cString(name), major, minor, sms, mem, driver[0]);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError | CudaException e) {
            return CudaStatus.unavailable(oneLine(e));
        }
    }

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The first line of the innermost message, shortened: JavaCPP's link errors list every path it tried. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (m.contains("libcuda.so.1")) return "NVIDIA driver library libcuda.so.1 not found";
        m = m.lines().findFirst().orElse(m).strip();
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
}
