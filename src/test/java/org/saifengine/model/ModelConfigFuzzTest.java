package org.saifengine.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.saifengine.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of config.json parsing (issue 9): any text must give a ModelConfig or one clear
 * IOException (malformed JSON) / IllegalArgumentException (missing, mistyped or unsupported key). Anything else,
 * e.g. an ArithmeticException or NullPointerException, is a finding. Seeds: ModelConfigFuzzTestInputs/ (written by
 * transformers' config classes, scripts/gen-fuzz-seeds.py) and, when fuzzing, every JSON file in ../shared.
 */
class ModelConfigFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void config(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        ModelConfig c;
        try {
            c = ModelConfig.fromJson(Json.parse(text, "config.json"));
        } catch (IOException | IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("error without a message", e);
            return;
        }
        if (c.slidingWindows().length != c.layers()) throw new AssertionError("one window per layer expected: " + c);
        c.parameterCount();
        c.toString();
    }
}
