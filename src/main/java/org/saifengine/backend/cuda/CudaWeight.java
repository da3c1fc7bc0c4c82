package org.saifengine.backend.cuda;

import org.saifengine.backend.Weight;
import org.saifengine.tensor.DType;

/** A weight uploaded to device memory once at load time, F32 or BF16, [rows, cols] row-major. */
record CudaWeight(String name, DType dtype, int rows, int cols, DeviceBuffer device) implements Weight {}
