package org.saifengine.io.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.saifengine.io.ModelFiles;
import org.saifengine.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing (Jazzer) of the GGUF reader, complementing GgufFuzzTest's seeded mutations of one file:
 * any bytes give a GgufFile whose every tensor can be read and dequantized and which translates to HF model files,
 * or one IOException / IllegalArgumentException with a message naming the problem. Anything else is a finding.
 * Seeds: GgufFileFuzzTestInputs/ (written by gguf-py, scripts/gen-fuzz-seeds.py) and, when fuzzing, the start of the
 * GGUF files in ../shared.
 */
class GgufFileFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void file(byte[] data) {
        try (Arena arena = Arena.ofConfined();
             GgufFile g = GgufFile.of(MemorySegment.ofArray(data), Path.of("fuzz.gguf"), Arena.ofConfined())) {
            g.metadata().forEach((k, v) -> v.toString());
            long total = 0;
            for (GgufTensorInfo t : g.tensorsByOffset()) {
                MemorySegment raw = g.raw(t);
                if (raw.byteSize() > 0) {
                    raw.get(ValueLayout.JAVA_BYTE, 0);
                    raw.get(ValueLayout.JAVA_BYTE, raw.byteSize() - 1);
                }
                total += t.numel();
                if (Dequantizer.supports(t.type()) && t.numel() <= 1 << 16) g.dequantize(t, DType.F32, arena);
            }
            if (total <= 1 << 16) {
                try (ModelFiles m = GgufModelFiles.read(g, DType.F32)) {
                    m.config();
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("error without a message", e);
        }
    }
}
