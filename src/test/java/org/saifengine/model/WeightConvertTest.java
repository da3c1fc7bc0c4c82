package org.saifengine.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block-wise conversion at load (which unloads a mapped source as it goes) gives exactly Tensor.to's values. */
class WeightConvertTest {
    @TempDir
    Path dir;

    @Test
    void blockwiseConversionOfAMappedTensorEqualsTensorTo() throws Exception {
        // 3000 x 700 f32 (8.4 MB): more than one 4 MiB block, with a row size that does not divide it.
        int rows = 3000, cols = 700;
        SplittableRandom r = new SplittableRandom(5);
        ByteBuffer b = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) b.putFloat((float) r.nextGaussian());
        Path f = dir.resolve("w.bin");
        Files.write(f, b.array());
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Tensor src = new Tensor(DType.F32, new long[] {rows, cols}, mapped);
            assertTrue(src.data().isMapped());
            float[] expected = src.to(DType.BF16, arena).toFloatArray();
            Tensor got = ModelWeights.convert(src, DType.BF16, arena);
            assertEquals(DType.BF16, got.dtype());
            assertArrayEquals(new long[] {rows, cols}, got.shape());
            assertArrayEquals(expected, got.toFloatArray());
            // The unloaded source still reads back the file's values (faulted in again from the page cache).
            assertEquals(b.getFloat(4 * (rows * cols - 1)), src.getFloat((long) rows * cols - 1));
            assertEquals(b.getFloat(0), src.getFloat(0));
        }
    }
}
