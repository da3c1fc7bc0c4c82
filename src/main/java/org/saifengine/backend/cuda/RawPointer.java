package org.saifengine.backend.cuda;

import org.bytedeco.javacpp.Pointer;

/**
 * A JavaCPP Pointer that only carries an address: a device pointer (CUdeviceptr) for cuBLAS arguments, or the
 * address of a native MemorySegment (mapped weights, pinned staging) for cuMemcpy. It owns nothing.
 */
final class RawPointer extends Pointer {
    RawPointer(long address) {
        this.address = address;
    }
}
