package org.saifengine.io.npy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A header that claims far more data than the file holds must fail without allocating what it claims. */
class NpyHostileHeaderTest {
    @TempDir
    Path dir;

    /** A v1 .npy whose header claims 2^29 f4 elements (2 GiB) followed by 16 bytes of data. */
    static byte[] lyingNpy() {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (536870912,), }";
        int padded = ((10 + header.length() + 1 + 63) / 64) * 64 - 10;
        String h = header + " ".repeat(padded - header.length() - 1) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + h.length() + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length());
        b.put(h.getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void file_with_lying_shape_is_rejected_before_allocating() throws IOException {
        Path p = dir.resolve("lying.npy");
        Files.write(p, lyingNpy());
        long before = allocatedBytes();
        IOException e = assertThrows(IOException.class, () -> NpyReader.read(p));
        long used = allocatedBytes() - before;
        assertTrue(e.getMessage().contains("needs 2147483648 bytes of data but the file has 16"), e.getMessage());
        assertTrue(used < 64L << 20, "allocated " + used + " bytes for a 16-byte payload");
    }

    @Test
    void stream_of_unknown_size_grows_with_the_data_actually_there() {
        long before = allocatedBytes();
        IOException e = assertThrows(IOException.class,
                () -> NpyReader.read(new ByteArrayInputStream(lyingNpy()), "stream.npy"));
        long used = allocatedBytes() - before;
        assertTrue(e.getMessage().contains("stream.npy") && e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(used < 64L << 20, "allocated " + used + " bytes for a 16-byte payload");
    }
}
