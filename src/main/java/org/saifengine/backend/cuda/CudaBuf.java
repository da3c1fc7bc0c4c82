package org.saifengine.backend.cuda;

import org.saifengine.backend.Buf;

/** An activation buffer in device memory: {@code size} f32 values at {@code device}. */
record CudaBuf(DeviceBuffer device, long size) implements Buf {
    /** The floats [offset, offset + n) as a device sub-buffer. */
    DeviceBuffer at(long offset, long n) {
        if (offset < 0 || n < 0 || offset + n > size) {
            throw new IllegalArgumentException("range [" + offset + ", " + (offset + n) + ") outside a buffer of " + size + " floats");
        }
        return device.slice(4 * offset, 4 * n);
    }
}
