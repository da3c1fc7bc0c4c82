package org.saifengine.model;

import org.saifengine.backend.Backend;
import org.saifengine.backend.cpu.CpuBackend;
import org.saifengine.io.ModelFiles;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.MemoryBudget;

import java.io.IOException;

/**
 * How to load a model.
 *
 * @param backend       where the ops run
 * @param weightDType   null to use weights as stored (F16 becomes F32), or F32 / BF16 to convert matrices once
 * @param budget        memory the weights, KV caches and activations must fit in (null: the memory available at load,
 *                      {@link MemoryBudget#detect()})
 * @param keepQuantized a GGUF's Q8_0 / Q4_0 / Q4_1 matrices keep their blocks (the CPU backend multiplies on them,
 *                      bit for bit as on the dequantized f32 matrix); its other tensors are dequantized to f32.
 *                      Only with weightDType null
 */
public record LoadOptions(Backend backend, DType weightDType, MemoryBudget budget, boolean keepQuantized) {
    /** The --dtype value that keeps GGUF blocks. */
    public static final String NATIVE = "native";

    public LoadOptions {
        if (keepQuantized && weightDType != null) {
            throw new IllegalArgumentException("weights are either kept as quantized blocks or converted to " + weightDType + ", not both");
        }
    }

    public LoadOptions(Backend backend, DType weightDType) {
        this(backend, weightDType, null, false);
    }

    public LoadOptions(Backend backend, DType weightDType, MemoryBudget budget) {
        this(backend, weightDType, budget, false);
    }

    /** The CPU backend, weights as stored: a GGUF's Q8_0 / Q4_0 / Q4_1 matrices keep their blocks. */
    public static LoadOptions defaults() {
        return new LoadOptions(CpuBackend.create(), null, null, true);
    }

    public static LoadOptions withDType(DType dtype) {
        return new LoadOptions(CpuBackend.create(), dtype);
    }

    /**
     * Options from a --dtype value: null (as stored: on the CPU a GGUF keeps its Q8_0 / Q4_0 / Q4_1 blocks, which
     * gives the dequantized-f32 results bit for bit in a quarter of the memory and faster decode), {@code native}
     * (keep GGUF blocks, CPU only), or a dtype name (f32, bf16: dequantize at load).
     */
    public static LoadOptions of(Backend backend, String dtype, MemoryBudget budget) {
        if (dtype == null) return new LoadOptions(backend, null, budget, backend instanceof CpuBackend);
        if (dtype.equalsIgnoreCase(NATIVE)) {
            if (!(backend instanceof CpuBackend)) {
                throw new IllegalArgumentException("--dtype native (quantized GGUF blocks) runs on the CPU backend only; use f32 or bf16 on " + backend.name());
            }
            return new LoadOptions(backend, null, budget, true);
        }
        try {
            return new LoadOptions(backend, DType.parse(dtype), budget);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown dtype '" + dtype + "' (use f32, bf16, f16 or native)");
        }
    }

    /** Opens the model files these options need: a GGUF is dequantized straight to bf16 when the model runs in
     *  bf16 (half the memory), keeps its blocks with keepQuantized, and is dequantized to f32 otherwise. */
    public ModelFiles openFiles(String spec) throws IOException {
        return ModelFiles.open(spec, weightDType == DType.BF16 ? DType.BF16 : null, keepQuantized, budgetOrDetect());
    }

    public LoadOptions withBudget(MemoryBudget b) {
        return new LoadOptions(backend, weightDType, b, keepQuantized);
    }

    /** The budget to check against: the given one, or the memory available now. */
    public MemoryBudget budgetOrDetect() {
        return budget != null ? budget : MemoryBudget.detect();
    }
}
