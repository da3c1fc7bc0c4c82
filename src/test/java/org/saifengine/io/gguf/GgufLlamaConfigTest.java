package org.saifengine.io.gguf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.io.InvalidFileException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json values from llama GGUF metadata: defaults, rope scaling, and inconsistent head counts. */
class GgufLlamaConfigTest {
    @TempDir
    Path dir;

    private GgufFile file(GgufBytes b) throws Exception {
        Path p = dir.resolve("c" + System.nanoTime() + ".gguf");
        Files.write(p, b.bytes());
        return GgufFile.open(p);
    }

    private static GgufBytes base(int extraKvs, long heads) {
        return new GgufBytes().header(3, 0, 5 + extraKvs)
                .kvString("general.architecture", "llama")
                .kvU32("llama.embedding_length", 64)
                .kvU32("llama.feed_forward_length", 128)
                .kvU32("llama.block_count", 2)
                .kvU32("llama.attention.head_count", heads);
    }

    @Test
    void defaultsWhenOptionalKeysAreAbsent() throws Exception {
        try (GgufFile g = file(base(0, 4))) {
            ObjectNode c = GgufLlamaConfig.build(g, 100, true);
            assertEquals(4, c.get("num_key_value_heads").asInt(), "no head_count_kv: as many kv heads as heads");
            assertEquals(16, c.get("head_dim").asInt());
            assertEquals(10000.0, c.get("rope_theta").asDouble());
            assertEquals(1e-5, c.get("rms_norm_eps").asDouble());
            assertEquals(2048, c.get("max_position_embeddings").asInt());
            assertTrue(c.get("tie_word_embeddings").asBoolean());
            assertFalse(c.has("rope_scaling"));
        }
    }

    @Test
    void ropeScalingIsCarriedOver() throws Exception {
        GgufBytes b = base(3, 4)
                .kvString("llama.rope.scaling.type", "linear")
                .str("llama.rope.scaling.factor").u32(6).f32(4f)
                .kvU32("llama.rope.scaling.original_context_length", 2048);
        try (GgufFile g = file(b)) {
            ObjectNode c = GgufLlamaConfig.build(g, 100, false);
            assertEquals("linear", c.get("rope_scaling").get("rope_type").asText());
            assertEquals(4.0, c.get("rope_scaling").get("factor").asDouble());
            assertEquals(2048, c.get("rope_scaling").get("original_max_position_embeddings").asInt());
            assertEquals("linear", c.get("rope_parameters").get("rope_type").asText());
            assertFalse(c.get("tie_word_embeddings").asBoolean());
        }
    }

    @Test
    void inconsistentHeadsAreRejected() throws Exception {
        try (GgufFile g = file(base(0, 5))) {
            InvalidFileException e = assertThrows(InvalidFileException.class, () -> GgufLlamaConfig.build(g, 100, true));
            assertTrue(e.getMessage().contains("do not divide evenly"), e.getMessage());
        }
        try (GgufFile g = file(base(0, 0))) {
            InvalidFileException e = assertThrows(InvalidFileException.class, () -> GgufLlamaConfig.build(g, 100, true));
            assertTrue(e.getMessage().contains("llama.attention.head_count is 0"), e.getMessage());
        }
    }
}
