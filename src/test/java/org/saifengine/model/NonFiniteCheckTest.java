package org.saifengine.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.saifengine.SharedData;
import org.saifengine.io.Checkpoint;
import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NaN / Inf in activations is reported with the hook point, position and token where it first appears (issue 9). */
class NonFiniteCheckTest {
    @TempDir
    Path tmp;

    static final int[] PROMPT = {1, 3, 4, 5, 6, 7, 8, 9};  // token 7 at position 5

    /** A copy of stories260K (a real tiny model) written with one tensor edited. */
    Path withEdit(String tensor, Consumer<Tensor> edit, Arena arena) throws IOException {
        Path src = SharedData.stories260K();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Checkpoint ck = Checkpoint.open(src)) {
            for (var e : ck.tensors().entrySet()) tensors.put(e.getKey(), e.getValue().to(e.getValue().dtype(), arena));
        }
        edit.accept(tensors.get(tensor));
        SafetensorsWriter.write(tmp.resolve("model.safetensors"), tensors, Map.of());
        ObjectNode cfg = (ObjectNode) Json.read(src.resolve("config.json"));
        Files.writeString(tmp.resolve("config.json"), Json.write(cfg));
        return tmp;
    }

    static void set(Tensor t, long index, float v) {
        t.data().setAtIndex(Tensor.F32_LE, index, v);
    }

    String failure(Path dir) throws Exception {
        try (Model m = Model.open(dir, LoadOptions.defaults())) {
            m.checkFinite(true);
            ArithmeticException e = assertThrows(ArithmeticException.class,
                    () -> m.forward(List.of(new Model.Input(m.newSequence(16), PROMPT)), true));
            return e.getMessage();
        }
    }

    @Test
    void testsRunWithTheCheckOn() {
        assertTrue(Model.CHECK_FINITE_DEFAULT, "the test JVM sets saif.checkFinite=true (pom.xml)");
    }

    /** One weight made non-finite gives one error at the first hook point (and position, token) it reaches. */
    @ParameterizedTest(name = "{0}[{1}] = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            model.embed_tokens.weight              | 460 | NaN       | non-finite value in blocks.0.hook_resid_pre at position 5 (token 7): NaN (dimension 12)
            model.layers.3.mlp.down_proj.weight    | 100 | NaN       | non-finite value in blocks.3.hook_resid_post at position 0 (token 1): NaN
            model.layers.2.self_attn.o_proj.weight | 5   | Infinity  | 'non-finite value in blocks.2.hook_resid_mid at position 0 (token 1): '
            """)
    void aNonFiniteWeightIsReportedWhereItFirstShows(String tensor, long index, float value, String expected) throws Exception {
        // the embedding row of token 7 (d_model 64) at dimension 12 is index 7 * 64 + 12 = 460
        try (Arena arena = Arena.ofConfined()) {
            Path dir = withEdit(tensor, t -> set(t, index, value), arena);
            String msg = failure(dir);
            assertTrue(msg.startsWith(expected), msg);
        }
    }

    @Test
    void withTheCheckOffTheNaNReachesTheLogitsSilently() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Path dir = withEdit("model.layers.3.mlp.down_proj.weight", t -> set(t, 100, Float.NaN), arena);
            try (Model m = Model.open(dir, LoadOptions.defaults())) {
                m.checkFinite(false);
                float[] logits = assertDoesNotThrow(() -> m.forward(List.of(new Model.Input(m.newSequence(16), PROMPT)), true))[0];
                assertTrue(Float.isNaN(logits[0]));
            }
        }
    }

    @Test
    void aHealthyModelPassesTheCheck() throws Exception {
        try (Model m = Model.open(SharedData.stories260K(), LoadOptions.defaults())) {
            m.checkFinite(true);
            assertDoesNotThrow(() -> m.forward(List.of(new Model.Input(m.newSequence(16), PROMPT)), true));
        }
    }
}
