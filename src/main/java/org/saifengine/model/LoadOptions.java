package org.saifengine.model;

import org.saifengine.backend.Backend;
import org.saifengine.backend.cpu.CpuBackend;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.MemoryBudget;

/**
 * How to load a model.
 *
 * @param backend     where the ops run
 * @param weightDType null to use weights as stored (F16 becomes F32), or F32 / BF16 to convert matrices once
 * @param budget      memory the weights, KV caches and activations must fit in (null: the memory available at load,
 *                    {@link MemoryBudget#detect()})
 */
public record LoadOptions(Backend backend, DType weightDType, MemoryBudget budget) {
    public LoadOptions(Backend backend, DType weightDType) {
        this(backend, weightDType, null);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(CpuBackend.create(), null);
    }

    public static LoadOptions withDType(DType dtype) {
        return new LoadOptions(CpuBackend.create(), dtype);
    }

    public LoadOptions withBudget(MemoryBudget b) {
        return new LoadOptions(backend, weightDType, b);
    }

    /** The budget to check against: the given one, or the memory available now. */
    public MemoryBudget budgetOrDetect() {
        return budget != null ? budget : MemoryBudget.detect();
    }
}
