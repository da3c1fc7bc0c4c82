package org.saifengine.io.npy;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Coverage-guided fuzzing of the .npy reader (issue 9), both with the stream's size known (files, zip members
 * that record it) and unknown: any bytes give an array whose element count matches its shape, or one
 * IOException naming the input. Seeds: NpyFuzzTestInputs/ (written by numpy, scripts/gen-fuzz-seeds.py).
 */
class NpyFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void npy(byte[] data) {
        for (long size : new long[] {data.length, -1}) {
            try {
                NpyArray a = NpyReader.read(new ByteArrayInputStream(data), "fuzz.npy", size);
                long n = 1;
                for (long d : a.shape()) n *= d;
                if (n != a.data().length) throw new AssertionError(a.data().length + " values for shape of " + n);
            } catch (IOException e) {
                if (e.getMessage() == null || !e.getMessage().contains("fuzz.npy")) {
                    throw new AssertionError("error does not name the input: " + e.getMessage(), e);
                }
            }
        }
    }
}
