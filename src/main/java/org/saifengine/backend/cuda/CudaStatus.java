package org.saifengine.backend.cuda;

/**
 * What {@link CudaProbe} found: either a usable device (name, compute capability, SM count, memory, driver version)
 * or the one-line reason there is none.
 */
public record CudaStatus(boolean available, String reason, String deviceName, int ccMajor, int ccMinor, int smCount,
                         long totalMemory, int driverVersion) {
    static CudaStatus unavailable(String reason) {
        return new CudaStatus(false, reason, "", 0, 0, 0, 0, 0);
    }

    /** One line: the device and its properties, or "no CUDA device: reason". */
    public String describe() {
        if (!available) return "no CUDA device: " + reason;
        return String.format("%s (sm_%d%d, %d SMs, %.1f GiB, driver %d.%d)", deviceName, ccMajor, ccMinor, smCount,
                totalMemory / (double) (1L << 30), driverVersion / 1000, driverVersion % 1000 / 10);
    }
}
