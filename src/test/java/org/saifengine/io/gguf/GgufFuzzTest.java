package org.saifengine.io.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.saifengine.io.ModelFiles;
import org.saifengine.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the GGUF reader and its translation to HF files. Whatever the bytes: either the header
 * parses, every supported tensor dequantizes and (for llama files) the translation succeeds, or one IOException
 * naming the input comes back; any other exception is a finding. `mvn test` replays the seeds in
 * GgufFuzzTestInputs/ (written by gguf-py, scripts/gen-gguf-fuzz-seeds.py); scripts/fuzz fuzzes it.
 */
class GgufFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void file(byte[] data) {
        try (Arena out = Arena.ofConfined();
             GgufFile g = GgufFile.of(MemorySegment.ofArray(data), Path.of("fuzz.gguf"), Arena.ofConfined())) {
            for (GgufTensorInfo t : g.tensors().values()) {
                if (Dequantizer.supports(t.type()) && t.numel() <= (1 << 22)) g.dequantize(t, DType.F32, out);
            }
            GgufValue arch = g.metadata().get("general.architecture");
            if (arch != null && "llama".equals(arch.value())) {
                try (ModelFiles m = GgufModelFiles.read(g, DType.BF16)) {
                    if (m.config() == null || m.tokenizerJson() == null) throw new AssertionError("incomplete translation");
                }
            }
        } catch (IOException e) {
            String msg = e.getMessage();
            if (msg == null || !msg.contains("fuzz.gguf")) throw new AssertionError("error does not name the input: " + msg, e);
        }
    }
}
