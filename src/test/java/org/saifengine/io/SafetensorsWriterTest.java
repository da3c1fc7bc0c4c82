package org.saifengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SafetensorsWriter output read back by SafetensorsFile: same names, dtypes, shapes, bytes and metadata. */
class SafetensorsWriterTest {
    @TempDir
    Path dir;

    @Test
    void round_trip_keeps_every_dtype_shape_value_and_metadata() throws IOException {
        Random rnd = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (DType d : DType.values()) {
                if (d.isBlockQuantized()) continue; // ggml block types: safetensors has no name for them (test below)
                Tensor t = Tensor.allocate(arena, d, 3, 5);
                byte[] bytes = new byte[(int) t.byteSize()];
                rnd.nextBytes(bytes);
                java.lang.foreign.MemorySegment.copy(bytes, 0, t.data(), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
                in.put("t." + d.name().toLowerCase(), t);
            }
            in.put("scalar", Tensor.ofFloats(arena, new float[] {3.5f}));
            in.put("empty", Tensor.allocate(arena, DType.F32, 0, 4));
            Path p = dir.resolve("rt.safetensors");
            SafetensorsWriter.write(p, in, Map.of("format", "pt", "note", "ünïcode ✓"));

            // The data section starts 8-byte aligned, as the reference writer keeps it.
            long headerLen = java.nio.ByteBuffer.wrap(Files.readAllBytes(p), 0, 8)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, (8 + headerLen) % 8);

            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(in.keySet(), f.tensors().keySet());
                assertEquals("ünïcode ✓", f.metadata().get("note"));
                for (var e : in.entrySet()) {
                    Tensor a = e.getValue(), b = f.get(e.getKey());
                    assertEquals(a.dtype(), b.dtype(), e.getKey());
                    assertArrayEquals(a.shape(), b.shape(), e.getKey());
                    assertEquals(-1, a.data().mismatch(b.data()), "bytes differ in " + e.getKey());
                }
                assertEquals(3.5f, f.get("scalar").getFloat(0));
                assertEquals(0, f.get("scalar").rank());
            }
        }
    }

    @Test
    void writing_leaves_no_temporary_file_and_replaces_atomically() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path p = dir.resolve("a.safetensors");
            SafetensorsWriter.write(p, Map.of("x", Tensor.ofFloats(arena, new float[] {1, 2}, 2)), null);
            SafetensorsWriter.write(p, Map.of("y", Tensor.ofFloats(arena, new float[] {3}, 1)), null);
            try (var files = Files.list(dir)) {
                assertEquals(1, files.count(), "a temp file was left behind");
            }
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertFalse(f.has("x"));
                assertEquals(3f, f.get("y").getFloat(0));
            }
        }
    }

    @Test
    void failed_write_keeps_the_earlier_file() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path p = dir.resolve("keep.safetensors");
            SafetensorsWriter.write(p, Map.of("x", Tensor.ofFloats(arena, new float[] {1, 2}, 2)), null);
            Tensor closed;
            try (Arena other = Arena.ofConfined()) {
                closed = Tensor.ofFloats(other, new float[] {5}, 1);
            }
            Tensor gone = closed;
            assertThrows(IllegalStateException.class,
                    () -> SafetensorsWriter.write(p, Map.of("z", gone), null));
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertTrue(f.has("x"));
            }
            try (var files = Files.list(dir)) {
                assertEquals(1, files.count(), "a temp file was left behind");
            }
        }
    }

    @Test
    void sharded_checkpoint_with_index_opens_as_one() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"),
                    Map.of("a", Tensor.ofFloats(arena, new float[] {1, 2}, 2)), Map.of("format", "pt"));
            SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"),
                    Map.of("b", Tensor.ofFloats(arena, new float[] {3}, 1)), Map.of("format", "pt"));
            AtomicFiles.writeString(dir.resolve("model.safetensors.index.json"), """
                    {"metadata": {"total_size": 12}, "weight_map": {
                      "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}""");
            try (Checkpoint cp = Checkpoint.open(dir)) {
                assertEquals(2, cp.tensors().size());
                assertEquals(2f, cp.get("a").getFloat(1));
                assertEquals(3f, cp.get("b").getFloat(0));
            }
        }
    }

    @Test
    void sharded_index_errors_name_the_problem() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsWriter.write(dir.resolve("s1.safetensors"), Map.of("a", Tensor.ofFloats(arena, new float[] {1}, 1)), null);
            SafetensorsWriter.write(dir.resolve("s2.safetensors"), Map.of("a", Tensor.ofFloats(arena, new float[] {2}, 1)), null);
        }
        Path index = dir.resolve("model.safetensors.index.json");
        record Case(String json, String fragment) {}
        for (Case c : new Case[] {
                new Case("{\"weight_map\": {\"a\": \"s1.safetensors\", \"b\": \"s1.safetensors\"}}", "'b' in s1.safetensors, but no shard contains it"),
                new Case("{\"weight_map\": {\"a\": \"s9.safetensors\"}}", "s9.safetensors, which does not exist"),
                new Case("{\"weight_map\": {\"a\": \"../outside.safetensors\"}}", "outside the directory"),
                new Case("{\"weight_map\": {\"a\": 5}}", "not a file name"),
                new Case("{\"weight_map\": [1]}", "no weight_map object"),
                new Case("{\"weight_map\": {\"a\": \"s1.safetensors\", \"x\": \"s2.safetensors\"}}", "more than one shard"),
                new Case("{\"weight_map\": {\"a\": \"s1.safetensors\",}", "malformed JSON"),
        }) {
            Files.writeString(index, c.json);
            IOException e = assertThrows(IOException.class, () -> Checkpoint.open(dir).close(), c.json);
            assertTrue(e.getMessage().contains(c.fragment), "for " + c.json + ": " + e.getMessage());
        }
        // A valid index again opens.
        Files.delete(dir.resolve("s1.safetensors"));
        Files.writeString(index, "{\"weight_map\": {\"a\": \"s2.safetensors\"}}");
        try (Checkpoint cp = Checkpoint.open(dir)) {
            assertEquals(2f, cp.get("a").getFloat(0));
        }
    }

    @Test
    void block_quantized_tensors_are_refused_by_name() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor q = Tensor.allocate(arena, DType.Q8_0, 2, 32);
            Path p = dir.resolve("q.safetensors");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> SafetensorsWriter.write(p, Map.of("w", q), Map.of()));
            assertTrue(e.getMessage().contains("'w' is Q8_0"), e.getMessage());
            assertTrue(Files.notExists(p), "nothing written");
        }
    }
}
