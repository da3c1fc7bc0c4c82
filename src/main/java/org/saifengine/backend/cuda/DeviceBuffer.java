package org.saifengine.backend.cuda;

/** A region of device memory: its address (CUdeviceptr) and size in bytes. Owned by the {@link CudaDevice} that made it. */
public record DeviceBuffer(long address, long bytes) {
    public DeviceBuffer {
        if (bytes < 0) throw new IllegalArgumentException("negative buffer size " + bytes);
    }

    /** A sub-region starting {@code offset} bytes in. */
    public DeviceBuffer slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > bytes) {
            throw new IllegalArgumentException("slice [" + offset + ", " + (offset + length) + ") outside buffer of " + bytes + " bytes");
        }
        return new DeviceBuffer(address + offset, length);
    }
}
