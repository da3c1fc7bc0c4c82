package org.saifengine.model;

import org.saifengine.backend.Backend;
import org.saifengine.backend.cpu.CpuBackend;
import org.saifengine.tensor.DType;

/**
 * How to load a model.
 *
 * @param backend     where the ops run
 * @param weightDType null to use weights as stored (F16 becomes F32), or F32 / BF16 to convert matrices once
 */
public record LoadOptions(Backend backend, DType weightDType) {
    public static LoadOptions defaults() {
        return new LoadOptions(CpuBackend.create(), null);
    }

    public static LoadOptions withDType(DType dtype) {
        return new LoadOptions(CpuBackend.create(), dtype);
    }
}
