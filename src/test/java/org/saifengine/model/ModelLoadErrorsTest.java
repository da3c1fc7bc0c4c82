package org.saifengine.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.SharedData;
import org.saifengine.io.Checkpoint;
import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad model inputs fail with one clear message naming the problem. */
class ModelLoadErrorsTest {
    @TempDir
    Path tmp;

    /** A copy of stories260K with its tensors edited, and optionally its config. */
    Path variant(Consumer<Map<String, Tensor>> editTensors, Consumer<ObjectNode> editConfig, Arena arena) throws IOException {
        Path src = SharedData.stories260K();
        Map<String, Tensor> tensors;
        try (Checkpoint ck = Checkpoint.open(src)) {
            tensors = new LinkedHashMap<>();
            for (var e : ck.tensors().entrySet()) tensors.put(e.getKey(), e.getValue().to(e.getValue().dtype(), arena));
        }
        editTensors.accept(tensors);
        SafetensorsWriter.write(tmp.resolve("model.safetensors"), tensors, Map.of());
        ObjectNode cfg = (ObjectNode) Json.read(src.resolve("config.json"));
        editConfig.accept(cfg);
        Files.writeString(tmp.resolve("config.json"), Json.write(cfg));
        return tmp;
    }

    String error(Path dir) {
        Exception e = assertThrows(Exception.class, () -> Model.open(dir, LoadOptions.defaults()).close());
        return e.getMessage();
    }

    @Test
    void shapeMismatchNamesTensorAndBothShapes() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            String name = "model.layers.1.self_attn.k_proj.weight";
            Path dir = variant(t -> t.put(name, Tensor.allocate(arena, DType.F32, 16, 64)), c -> {}, arena);
            String msg = error(dir);
            assertTrue(msg.contains(name) && msg.contains("[16, 64]") && msg.contains("[32, 64]"), msg);
        }
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path dir = variant(t -> t.remove("model.norm.weight"), c -> {}, arena);
            String msg = error(dir);
            assertTrue(msg.contains("'model.norm.weight' is missing"), msg);
        }
    }

    @Test
    void untiedModelWithoutLmHeadFails() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path dir = variant(t -> {}, c -> c.put("tie_word_embeddings", false), arena);
            assertTrue(error(dir).contains("'lm_head.weight' is missing"));
        }
    }

    @Test
    void unknownArchitectureListsSupported() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path dir = variant(t -> {}, c -> c.putArray("architectures").add("GPT2LMHeadModel"), arena);
            String msg = error(dir);
            assertTrue(msg.contains("GPT2LMHeadModel") && msg.contains("LlamaForCausalLM") && msg.contains("Qwen2ForCausalLM")
                    && msg.contains("Gemma2ForCausalLM"), msg);
        }
    }

    @Test
    void malformedConfigJson() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path dir = variant(t -> {}, c -> {}, arena);
            Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64,");
            String msg = error(dir);
            assertTrue(msg.contains("malformed JSON") && msg.contains("config.json"), msg);
        }
    }

    @Test
    void mistypedConfigKey() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path dir = variant(t -> {}, c -> c.put("num_hidden_layers", "five"), arena);
            assertTrue(error(dir).contains("'num_hidden_layers' must be an integer"));
        }
    }

    @Test
    void unsupportedRopeType() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path dir = variant(t -> {}, c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 2.0), arena);
            assertTrue(error(dir).contains("unsupported rope type 'yarn'"));
        }
    }
}
