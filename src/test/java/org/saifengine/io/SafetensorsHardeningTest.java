package org.saifengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad safetensors inputs: each must give one InvalidFileException (or IOException) whose message names the file
 * and the broken rule, and never an unchecked exception or a JVM crash.
 */
class SafetensorsHardeningTest {
    @TempDir
    Path dir;

    /** A file with the given header text (length prefix computed) followed by dataBytes zero bytes. */
    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** Opening must fail with an IOException whose message names the file and contains every fragment. */
    private IOException rejects(Path p, String... fragments) {
        IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(p).close());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
        assertTrue(e.getMessage().contains(p.getFileName().toString()), "message does not name the file: " + e.getMessage());
        return e;
    }

    @Test
    void valid_file_opens_and_reads() throws IOException {
        Path p = write("ok.safetensors", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(0f, f.get("a").getFloat(1));
            assertEquals(2, f.get("a").numel());
        }
    }

    @Test
    void truncated_file_is_rejected() throws IOException {
        // A valid 2x4 f32 tensor whose last 12 data bytes were cut off (e.g. an interrupted download).
        byte[] full = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,32]}}", 32);
        Path p = write("truncated.safetensors", java.util.Arrays.copyOf(full, full.length - 12));
        rejects(p, "'w'", "ends at byte 32", "beyond the data section (20 bytes)");
    }

    @Test
    void file_shorter_than_the_length_prefix_is_rejected() throws IOException {
        rejects(write("tiny.safetensors", new byte[5]), "5 bytes", "shorter than the 8-byte header length");
        rejects(write("empty.safetensors", new byte[0]), "0 bytes");
    }

    @Test
    void header_length_beyond_the_file_is_rejected() throws IOException {
        byte[] b = file("{}", 0);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        rejects(write("hlen.safetensors", b), "header length 1000", "beyond the end of the file (10 bytes)");
    }

    @Test
    void absurd_header_lengths_are_rejected_before_allocating() throws IOException {
        long[] lengths = {-1, Long.MIN_VALUE, Long.MAX_VALUE, SafetensorsFile.MAX_HEADER_BYTES + 1, 0, 1};
        for (int i = 0; i < lengths.length; i++) {
            byte[] b = file("{}", 0);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, lengths[i]);
            rejects(write("hlen" + i + ".safetensors", b), "header length " + lengths[i], "is outside");
        }
    }

    @Test
    void offsets_beyond_the_file_are_rejected() throws IOException {
        Path p = write("offsets.safetensors",
                file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[1000000,1000016]}}", 16));
        rejects(p, "'a'", "ends at byte 1000016", "beyond the data section (16 bytes)");
    }

    @Test
    void negative_or_reversed_offsets_are_rejected() throws IOException {
        rejects(write("neg.safetensors", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[-4,0]}}", 8)),
                "'a'", "data_offsets [-4, 0]");
        rejects(write("rev.safetensors", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8)),
                "'a'", "data_offsets [8, 4]");
    }

    @Test
    void overlapping_tensors_are_rejected() throws IOException {
        Path p = write("overlap.safetensors", file("{"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16));
        rejects(p, "'a'", "'b'", "overlap");
    }

    @Test
    void overlap_hidden_behind_a_middle_tensor_is_rejected() throws IOException {
        // c overlaps a only; b lies between them in offset order.
        Path p = write("overlap3.safetensors", file("{"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[100],\"data_offsets\":[0,100]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[10],\"data_offsets\":[10,20]},"
                + "\"c\":{\"dtype\":\"U8\",\"shape\":[10],\"data_offsets\":[50,60]}}", 100));
        rejects(p, "overlap");
    }

    @Test
    void unknown_dtype_is_rejected() throws IOException {
        Path p = write("dtype.safetensors", file("{\"a\":{\"dtype\":\"F8_E9M9\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4));
        rejects(p, "'a'", "unknown dtype 'F8_E9M9'", "supported");
    }

    @Test
    void bytes_not_matching_the_shape_are_rejected() throws IOException {
        Path p = write("shape.safetensors", file("{\"a\":{\"dtype\":\"BF16\",\"shape\":[3,3],\"data_offsets\":[0,16]}}", 16));
        rejects(p, "'a'", "has 16 bytes but shape x dtype needs 18");
    }

    @Test
    void shape_whose_size_overflows_is_rejected() throws IOException {
        Path p = write("overflow.safetensors", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                + "\"data_offsets\":[0,0]}}", 0));
        rejects(p, "'a'", "overflows");
    }

    @Test
    void non_integer_or_negative_dimensions_and_offsets_are_rejected() throws IOException {
        rejects(write("d1.safetensors", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2.5],\"data_offsets\":[0,2]}}", 2)),
                "invalid dimension 2.5");
        rejects(write("d2.safetensors", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[-2],\"data_offsets\":[0,2]}}", 2)),
                "invalid dimension -2");
        rejects(write("d3.safetensors", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[\"2\"],\"data_offsets\":[0,2]}}", 2)),
                "invalid dimension");
        rejects(write("o1.safetensors", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2.0]}}", 2)),
                "invalid data_offsets");
        rejects(write("o2.safetensors", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0]}}", 2)),
                "malformed shape or data_offsets");
        rejects(write("o3.safetensors", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", 2)),
                "invalid data_offsets");
    }

    @Test
    void tensor_entry_lacking_fields_is_rejected() throws IOException {
        rejects(write("f1.safetensors", file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2]}}", 2)), "'a' lacks");
        rejects(write("f2.safetensors", file("{\"a\":[1,2]}", 2)), "'a' lacks");
    }

    @Test
    void malformed_json_header_is_rejected() throws IOException {
        rejects(write("json1.safetensors", file("{\"a\":{\"dtype\":\"F32\",", 0)), "not valid JSON");
        rejects(write("json2.safetensors", file("[1,2,3]", 0)), "not a JSON object");
        rejects(write("json3.safetensors", file("{} trailing", 0)), "not valid JSON");
        rejects(write("json4.safetensors", file("{\"a\":1,\"a\":2}", 0)), "not valid JSON");
        byte[] invalidUtf8 = file("{\"ab\":1}", 0);
        invalidUtf8[10] = (byte) 0xC3; // a lead byte not followed by a continuation byte
        rejects(write("json5.safetensors", invalidUtf8), "not valid UTF-8");
    }

    @Test
    void metadata_must_map_strings_to_strings() throws IOException {
        rejects(write("m1.safetensors", file("{\"__metadata__\":[1]}", 0)), "__metadata__ is not an object");
        rejects(write("m2.safetensors", file("{\"__metadata__\":{\"format\":5}}", 0)), "'format' is not a string");
        try (SafetensorsFile f = SafetensorsFile.open(write("m3.safetensors", file("{\"__metadata__\":{\"format\":\"pt\"}}", 0)))) {
            assertEquals("pt", f.metadata().get("format"));
            assertTrue(f.tensors().isEmpty());
        }
    }

    @Test
    void missing_tensor_is_a_clear_error() throws IOException {
        Path p = write("missing.safetensors", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            InvalidFileException e = assertThrows(InvalidFileException.class, () -> f.get("model.norm.weight"));
            assertTrue(e.getMessage().contains("'model.norm.weight' is missing from"), e.getMessage());
            assertTrue(e.getMessage().contains("missing.safetensors"), e.getMessage());
        }
        try (Checkpoint cp = Checkpoint.open(p)) {
            InvalidFileException e = assertThrows(InvalidFileException.class, () -> cp.get("lm_head.weight"));
            assertTrue(e.getMessage().contains("'lm_head.weight' is missing"), e.getMessage());
        }
    }

    @Test
    void missing_file_and_directory_are_clear_errors() throws IOException {
        IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(dir.resolve("nope.safetensors")));
        assertTrue(e.getMessage().contains("file not found"), e.getMessage());
        e = assertThrows(IOException.class, () -> SafetensorsFile.open(dir));
        assertTrue(e.getMessage().contains("is not a regular file"), e.getMessage());
        e = assertThrows(IOException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("no model.safetensors or model.safetensors.index.json"), e.getMessage());
    }

    @Test
    void reads_stay_inside_the_tensor_whatever_the_caller_asks() throws IOException {
        Path p = write("bounds.safetensors", file("{"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            var a = f.get("a");
            assertThrows(IndexOutOfBoundsException.class, () -> a.getFloat(2));
            assertThrows(IndexOutOfBoundsException.class, () -> a.getFloat(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> a.row(5));
        }
    }

    @Test
    void tensors_are_unusable_after_close_instead_of_reading_freed_memory() throws IOException {
        Path p = write("closed.safetensors", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        SafetensorsFile f = SafetensorsFile.open(p);
        var a = f.get("a");
        f.close();
        assertThrows(IllegalStateException.class, () -> a.getFloat(0));
    }

    @Test
    void file_truncated_after_mapping_raises_an_error_not_a_crash() throws IOException {
        // Another process shrinks the file under us: the mapping's pages are gone (SIGBUS). The JVM must turn
        // that into an exception on the reading thread.
        int n = 1 << 16;
        Path p = write("shrunk.safetensors", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0,"
                + 4 * n + "]}}", 4 * n));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(100);
            }
            var a = f.get("a");
            assertThrows(InternalError.class, () -> a.getFloat(n - 1));
        }
    }
}
