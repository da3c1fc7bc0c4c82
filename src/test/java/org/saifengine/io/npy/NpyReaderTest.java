package org.saifengine.io.npy;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** NPY headers and dtypes built byte by byte as the format spec lays them out. */
class NpyReaderTest {
    static byte[] npy(int major, String header, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        int prefix = 8 + (major == 1 ? 2 : 4);
        StringBuilder h = new StringBuilder(header);
        while ((prefix + h.length() + 1) % 64 != 0) h.append(' ');
        h.append('\n');
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) len.putShort((short) hb.length); else len.putInt(hb.length);
        out.write(len.array());
        out.write(hb);
        out.write(data);
        return out.toByteArray();
    }

    static NpyArray read(byte[] b) throws IOException {
        return NpyReader.read(new ByteArrayInputStream(b), "test.npy");
    }

    @Test
    void versionsAndDtypes() throws IOException {
        ByteBuffer f4 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) f4.putFloat(i * 0.5f);
        for (int v : new int[]{1, 2, 3}) {
            NpyArray a = read(npy(v, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4.array()));
            assertArrayEquals(new long[]{2, 3}, a.shape());
            assertArrayEquals(new float[]{0, 0.5f, 1, 1.5f, 2, 2.5f}, a.data());
        }
        ByteBuffer f8 = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(1.25).putDouble(-3);
        assertArrayEquals(new float[]{1.25f, -3f}, read(npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", f8.array())).data());
        ByteBuffer f2 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort(Float.floatToFloat16(0.75f)).putShort(Float.floatToFloat16(-2f));
        assertArrayEquals(new float[]{0.75f, -2f}, read(npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", f2.array())).data());
        ByteBuffer i4 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(-9);
        assertArrayEquals(new float[]{7, -9}, read(npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", i4.array())).data());
        NpyArray scalar = read(npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (), }", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(5).array()));
        assertEquals(0, scalar.rank());
        assertArrayEquals(new float[]{5}, scalar.data());
    }

    @Test
    void fortranOrderIsRejected() {
        IOException e = assertThrows(IOException.class, () -> read(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16])));
        assertTrue(e.getMessage().contains("Fortran"), e.getMessage());
    }

    @Test
    void truncatedAndUnsupported() {
        IOException t = assertThrows(IOException.class, () -> read(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new byte[8])));
        assertTrue(t.getMessage().contains("truncated"), t.getMessage());
        IOException u = assertThrows(IOException.class, () -> read(npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8])));
        assertTrue(u.getMessage().contains("unsupported dtype '<c8'"), u.getMessage());
        IOException m = assertThrows(IOException.class, () -> read("not numpy".getBytes()));
        assertTrue(m.getMessage().contains("bad magic"), m.getMessage());
    }
}
