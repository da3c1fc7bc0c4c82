package org.saifengine.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.saifengine.tensor.Tensor;

import java.io.IOException;

/**
 * Coverage-guided fuzzing of the safetensors parser (issue 9). Whatever the bytes, opening must either give
 * tensors whose every element can be read, or one IOException that names the file; any other exception is a
 * finding. In `mvn test` this runs the seeds in SafetensorsFuzzTestInputs/ only; scripts/fuzz fuzzes it.
 */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void header(byte[] data) {
        try (SafetensorsFile f = SafetensorsFile.fromBytes(data, "fuzz.safetensors")) {
            for (Tensor t : f.tensors().values()) {
                long n = t.numel();
                if (t.byteSize() != n * t.dtype().bytes) throw new AssertionError("size mismatch in " + t);
                if (n > 0 && t.dtype().isFloat()) {
                    t.getFloat(0);
                    t.getFloat(n - 1);
                }
            }
        } catch (IOException e) {
            FuzzChecks.namesTheInput(e, "fuzz.safetensors");
        }
    }
}
