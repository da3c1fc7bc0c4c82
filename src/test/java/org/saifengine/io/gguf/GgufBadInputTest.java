package org.saifengine.io.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.SharedData;
import org.saifengine.io.InvalidFileException;
import org.saifengine.io.ModelFiles;
import org.saifengine.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each broken rule of the GGUF format gives one clear error naming it; a valid hand-built file parses exactly. */
class GgufBadInputTest {
    @TempDir
    Path dir;

    /** A valid file: one F32 tensor [2 x 4] holding 0..7, plus metadata of several types. */
    static GgufBytes valid() {
        return new GgufBytes().header(3, 1, 2)
                .kvString("general.architecture", "llama")
                .kvU32("general.alignment", 32)
                .tensor("t", new long[]{4, 2}, 0, 0);
    }

    static byte[] withData(GgufBytes b, int bytes) {
        b.pad(32);
        for (int i = 0; i < bytes / 4; i++) b.f32(i);
        return b.bytes();
    }

    private String error(byte[] file) throws IOException {
        Path p = dir.resolve("bad.gguf");
        Files.write(p, file);
        InvalidFileException e = assertThrows(InvalidFileException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    private void assertError(byte[] file, String expected) throws IOException {
        String msg = error(file);
        assertTrue(msg.contains(expected), "expected '" + expected + "' in: " + msg);
    }

    @Test
    void validFileParses() throws Exception {
        Path p = dir.resolve("ok.gguf");
        Files.write(p, withData(valid(), 32));
        try (GgufFile g = GgufFile.open(p); Arena a = Arena.ofConfined()) {
            assertEquals(3, g.version());
            assertEquals("llama", g.get("general.architecture").asString());
            GgufTensorInfo t = g.tensor("t");
            assertEquals(List.of(2L, 4L), Arrays.stream(t.shape()).boxed().toList());
            float[] v = g.dequantize(t, DType.F32, a).toFloatArray();
            assertEquals(7f, v[7]);
            assertEquals(32, g.raw(t).byteSize());
        }
    }

    @Test
    void badMagic() throws Exception {
        byte[] f = withData(valid(), 32);
        f[0] = 'X';
        assertError(f, "bad magic \"XGUF\": not a GGUF file");
    }

    @Test
    void unsupportedVersions() throws Exception {
        GgufBytes v1 = new GgufBytes().header(1, 0, 0);
        assertError(v1.bytes(), "unsupported GGUF version 1 (supported: 2 and 3)");
        assertError(new GgufBytes().header(7, 0, 0).bytes(), "unsupported GGUF version 7");
        assertError(new GgufBytes().header(0x03000000, 0, 0).bytes(), "big-endian GGUF (version 3) is not supported");
    }

    @Test
    void version2IsAccepted() throws Exception {
        Path p = dir.resolve("v2.gguf");
        Files.write(p, new GgufBytes().header(2, 0, 1).kvString("k", "v").bytes());
        try (GgufFile g = GgufFile.open(p)) {
            assertEquals(2, g.version());
            assertEquals("v", g.get("k").asString());
        }
    }

    @Test
    void truncatedHeaderAtEveryCut() throws Exception {
        byte[] f = withData(valid(), 32);
        int headerEnd = valid().size();
        for (int cut : new int[]{0, 3, 4, 7, 12, 20, 24, 30, headerEnd - 9, headerEnd - 1}) {
            String msg = error(Arrays.copyOf(f, cut));
            assertTrue(msg.contains("truncated header") || msg.contains("too short"), cut + ": " + msg);
        }
    }

    @Test
    void unknownValueType() throws Exception {
        assertError(new GgufBytes().header(3, 0, 1).str("k").u32(13).u32(0).bytes(), "unknown value type 13");
        assertError(new GgufBytes().header(3, 0, 1).str("k").u32(9).u32(77).u64(1).bytes(), "unknown value type 77");
    }

    @Test
    void unknownTensorType() throws Exception {
        GgufBytes b = new GgufBytes().header(3, 1, 0).tensor("t", new long[]{4}, 4, 0); // 4 was Q4_2, removed
        assertError(withData(b, 32), "tensor 't': unknown ggml tensor type 4");
        GgufBytes c = new GgufBytes().header(3, 1, 0).tensor("t", new long[]{4}, 1000, 0);
        assertError(withData(c, 32), "unknown ggml tensor type 1000");
    }

    @Test
    void tensorDataBeyondTheFile() throws Exception {
        assertError(withData(valid(), 28), "tensor 't' data (32 bytes at data offset 0) lies beyond the end of the file");
        GgufBytes far = new GgufBytes().header(3, 1, 0).tensor("t", new long[]{4}, 0, 1L << 40);
        assertError(withData(far, 16), "lies beyond the end of the file");
    }

    @Test
    void absurdCounts() throws Exception {
        assertError(new GgufBytes().header(3, 1L << 40, 0).bytes(), "tensor count 1099511627776 is absurd");
        assertError(new GgufBytes().header(3, 0, -1).bytes(), "metadata key/value count 18446744073709551615 is absurd");
        assertError(new GgufBytes().header(3, 0, 1).str("k").u32(9).u32(5).u64(1L << 50).bytes(), "array length 1125899906842624 is absurd");
        assertError(new GgufBytes().header(3, 0, 1).str("k").u32(8).u64(1L << 45).bytes(), "metadata 'k' length 35184372088832 at offset 37 is absurd");
    }

    @Test
    void absurdDimensions() throws Exception {
        assertError(withData(new GgufBytes().header(3, 1, 0).tensor("t", new long[]{1, 1, 1, 1, 1}, 0, 0), 4),
                "tensor 't' has 5 dimensions (allowed: 1 to 4)");
        assertError(withData(new GgufBytes().header(3, 1, 0).tensor("t", new long[]{1L << 50}, 0, 0), 4),
                "tensor 't' dimension 0 is 1125899906842624 (absurd");
        assertError(withData(new GgufBytes().header(3, 1, 0).tensor("t", new long[]{1L << 40, 1L << 40}, 0, 0), 4),
                "overflow (absurd)");
        assertError(withData(new GgufBytes().header(3, 1, 0).tensor("t", new long[]{33}, 2, 0), 32),
                "a row of 33 elements is not a whole number of Q4_0 blocks of 32");
    }

    @Test
    void misalignedOffsets() throws Exception {
        GgufBytes b = new GgufBytes().header(3, 2, 0).tensor("a", new long[]{4}, 0, 0).tensor("b", new long[]{4}, 0, 16);
        assertError(withData(b, 64), "tensor 'b' offset 16 is not a multiple of the alignment 32");
        GgufBytes c = new GgufBytes().header(3, 0, 1).kvU32("general.alignment", 24);
        assertError(c.bytes(), "general.alignment is 24; it must be a power of two");
        GgufBytes d = new GgufBytes().header(3, 0, 1).kvString("general.alignment", "32");
        assertError(d.bytes(), "general.alignment must be UINT32 but is STRING");
    }

    @Test
    void otherViolations() throws Exception {
        assertError(new GgufBytes().header(3, 0, 2).kvString("k", "a").kvString("k", "b").bytes(), "duplicate metadata key 'k'");
        GgufBytes two = new GgufBytes().header(3, 2, 0).tensor("t", new long[]{8}, 0, 0).tensor("t", new long[]{8}, 0, 32);
        assertError(withData(two, 64), "duplicate tensor name 't'");
        GgufBytes overlap = new GgufBytes().header(3, 2, 0).tensor("a", new long[]{16}, 0, 0).tensor("b", new long[]{8}, 0, 32);
        assertError(withData(overlap, 96), "tensors 'a' and 'b' overlap");
        assertError(new GgufBytes().header(3, 0, 1).str("k").u32(8).u64(2).raw(new byte[]{(byte) 0xC3, 0x28}).bytes(), "is not valid UTF-8");
        assertError(new GgufBytes().header(3, 0, 1).str("k").u32(7).u8(2).bytes(), "BOOL with byte value 2");
        GgufBytes deep = new GgufBytes().header(3, 0, 1).str("k");
        deep.u32(9);
        for (int i = 0; i < 20; i++) deep.u32(9).u64(1);
        deep.u32(4).u64(1).u32(0);
        assertError(deep.bytes(), "nests arrays more than 8 deep");
    }

    @Test
    void nestedArraysAndEveryValueType() throws Exception {
        GgufBytes b = new GgufBytes().header(3, 0, 3);
        b.str("nested").u32(9).u32(9).u64(2)          // array of 2 arrays
                .u32(5).u64(2).u32(-1).u32(7)          // [-1, 7] as INT32
                .u32(8).u64(1).str("x");               // ["x"]
        b.str("u64").u32(10).u64(-1);
        b.str("f64").u32(12).raw(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(0.1).array());
        Path p = dir.resolve("types.gguf");
        Files.write(p, b.bytes());
        try (GgufFile g = GgufFile.open(p)) {
            List<?> outer = g.get("nested").asList();
            assertEquals(GgufValueType.ARRAY, g.get("nested").elementType());
            assertEquals(List.of(-1L, 7L), ((GgufValue) outer.get(0)).asList());
            assertEquals(List.of("x"), ((GgufValue) outer.get(1)).asStringList());
            assertThrows(IllegalArgumentException.class, () -> g.get("u64").asLong());
            assertEquals(0.1, g.get("f64").asDouble());
        }
    }

    @Test
    void modelLevelErrors() throws Exception {
        Path p = dir.resolve("notllama.gguf");
        Files.write(p, new GgufBytes().header(3, 0, 1).kvString("general.architecture", "gpt2").bytes());
        IOException e = assertThrows(IOException.class, () -> GgufModelFiles.read(p));
        assertTrue(e.getMessage().contains("GGUF architecture 'gpt2' is not supported (supported: llama)"), e.getMessage());
        Path missing = dir.resolve("missing.gguf");
        IOException m = assertThrows(IOException.class, () -> ModelFiles.open(missing.toString()));
        assertTrue(m.getMessage().contains("model not found"), m.getMessage());
        Path q = dir.resolve("iq.gguf");
        GgufBytes iq = new GgufBytes().header(3, 1, 1).kvString("general.architecture", "llama")
                .tensor("token_embd.weight", new long[]{256}, 16, 0);
        Files.write(q, withData(iq, 68));
        try (GgufFile g = GgufFile.open(q); Arena a = Arena.ofConfined()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> g.dequantize(g.tensor("token_embd.weight"), DType.F32, a));
            assertTrue(x.getMessage().contains("dequantizing ggml type IQ2_XXS is not supported"), x.getMessage());
        }
    }

    @Test
    void sharedTinyFileParses() throws Exception {
        try (GgufFile g = GgufFile.open(SharedData.path("models/gguf/llama-2-tiny-random.gguf"))) {
            assertEquals(3, g.version());
            assertEquals(32000, g.get("tokenizer.ggml.tokens").asStringList().size());
            assertEquals(12, g.tensors().size());
        }
        try (ModelFiles m = GgufModelFiles.read(SharedData.path("models/gguf/llama-2-tiny-random.gguf"))) {
            assertEquals(8, m.config().get("hidden_size").asInt());
            assertTrue(m.weights().has("lm_head.weight"));
            assertTrue(m.weights().has("model.layers.0.self_attn.q_proj.weight"));
        }
    }
}
