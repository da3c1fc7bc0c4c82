package org.saifengine.backend.cuda;

/**
 * What {@link CudaKernels} needs from a device: launch a kernel, fill a buffer, know the SM count. {@link CudaDevice}
 * is the real one; tests record launches with a fake to check geometry and argument lists against the .cu sources.
 */
interface KernelRunner {
    void launch(String op, String kernel, Launch launch, KernelArgs args);

    void fill32(DeviceBuffer buffer, int pattern);

    int smCount();
}
