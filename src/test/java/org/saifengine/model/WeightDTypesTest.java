package org.saifengine.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.SharedData;
import org.saifengine.io.Checkpoint;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weights stored in F16, or converted to BF16 at load, run the same forward pass as F32 within their precision. */
class WeightDTypesTest {
    static final int[] IDS = {1, 403, 407, 261, 378, 432, 383, 286};

    @TempDir
    Path tmp;

    static float[] logits(Model m) {
        return m.forward(List.of(new Model.Input(m.newSequence(IDS.length), IDS)), true)[0];
    }

    static double relativeError(float[] ours, float[] ref) {
        double diff = 0, max = 0;
        for (int i = 0; i < ref.length; i++) {
            diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
            max = Math.max(max, Math.abs(ref[i]));
        }
        return diff / max;
    }

    @Test
    void f16CheckpointAndBf16ConversionAgreeWithF32() throws Exception {
        Path src = SharedData.stories260K();
        float[] f32;
        try (Model m = Model.open(src, LoadOptions.defaults())) {
            f32 = logits(m);
        }
        try (Model m = Model.open(src, LoadOptions.withDType(DType.BF16))) {
            assertEquals(DType.BF16, m.weights().layers[0].wq().dtype(), "matrices converted once at load");
            double err = relativeError(logits(m), f32);
            assertTrue(err < 2e-2 && err > 0, "bf16 relative error " + err);
        }
        try (Arena arena = Arena.ofShared(); Checkpoint ck = Checkpoint.open(src)) {
            Map<String, Tensor> f16 = new LinkedHashMap<>();
            for (var e : ck.tensors().entrySet()) f16.put(e.getKey(), e.getValue().to(DType.F16, arena));
            SafetensorsWriter.write(tmp.resolve("model.safetensors"), f16, Map.of());
        }
        Files.copy(src.resolve("config.json"), tmp.resolve("config.json"));
        try (Model m = Model.open(tmp, LoadOptions.defaults())) {
            assertEquals(DType.F32, m.weights().layers[0].wq().dtype(), "F16 is widened once to F32 by the CPU backend");
            double err = relativeError(logits(m), f32);
            assertTrue(err < 5e-3, "f16 relative error " + err);
        }
    }
}
