package org.saifengine.io.npy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
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

    /**
     * An .npz whose zip directory claims 4 GiB for a member holding 16 bytes of data: the reader must not allocate
     * what the directory says (an OutOfMemoryError from a 200-byte file before, found by review).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {ZipEntry.STORED, ZipEntry.DEFLATED})
    void npz_member_whose_zip_directory_claims_4_gib(int method) throws IOException {
        byte[] member = lyingNpy();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            ZipEntry e = new ZipEntry("W_enc.npy");
            e.setMethod(method);
            if (method == ZipEntry.STORED) {
                CRC32 crc = new CRC32();
                crc.update(member);
                e.setSize(member.length);
                e.setCrc(crc.getValue());
            }
            zip.putNextEntry(e);
            zip.write(member);
            zip.closeEntry();
        }
        byte[] npz = bytes.toByteArray();
        ByteBuffer b = ByteBuffer.wrap(npz).order(ByteOrder.LITTLE_ENDIAN);
        int central = indexOf(npz, new byte[] {'P', 'K', 1, 2});
        long claimed = 0xFFFF_FF00L; // room for the header's 2^29 floats; 0xFFFFFFFF would mean zip64
        b.putInt(central + 24, (int) claimed); // uncompressed size
        if (method == ZipEntry.STORED) b.putInt(central + 20, (int) claimed); // compressed size, the same when stored
        Path p = dir.resolve("params.npz");
        Files.write(p, npz);

        long before = allocatedBytes();
        IOException e = assertThrows(IOException.class, () -> NpzFile.read(p));
        long used = allocatedBytes() - before;
        assertTrue(e.getMessage().contains("params.npz"), e.getMessage());
        assertTrue(used < 64L << 20, "allocated " + used + " bytes for a " + npz.length + "-byte file");
    }

    /** Repeated "'shape':(" keys without a closing parenthesis took 35 s to scan at 256 KiB (quadratic; found by review). */
    @Test
    void header_of_repeated_unclosed_shape_keys_is_refused_at_once() {
        String header = "{'descr':'<f4','fortran_order':False," + "'shape':(".repeat(256 * 1024 / 9);
        byte[] h = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(12 + h.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(h.length).put(h);
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IOException.class, () -> NpyReader.read(new ByteArrayInputStream(b.array()), "shapes.npy")));
        assertTrue(e.getMessage().contains("header lacks descr, fortran_order or shape") && e.getMessage().length() < 400,
                e.getMessage());
    }

    private static int indexOf(byte[] in, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= in.length; i++) {
            for (int j = 0; j < what.length; j++) if (in[i + j] != what[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
