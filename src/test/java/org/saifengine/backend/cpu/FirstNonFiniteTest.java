package org.saifengine.backend.cpu;

import org.junit.jupiter.api.Test;
import org.saifengine.backend.Backend;
import org.saifengine.backend.Buf;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The CPU's vectorized NaN/Inf scan agrees with a plain loop, at every kind of index (block starts, tails). */
class FirstNonFiniteTest {
    @Test
    void findsTheFirstNonFiniteValueWhereverItIs() {
        Backend b = CpuBackend.create();
        Random r = new Random(9);
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int n : new int[]{1, 7, 16, 1023, 1024, 1025, 3000, 49152}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * 1e30f;
            Buf buf = b.allocate(n);
            b.upload(x, 0, buf, 0, n);
            assertEquals(-1, b.firstNonFinite(buf, n), "all finite, n=" + n);
            for (int at : new int[]{0, n / 2, n - 1, Math.min(n - 1, 1024)}) {
                for (float v : bad) {
                    float[] y = x.clone();
                    y[at] = v;
                    if (at + 1 < n) y[n - 1] = Float.NaN;  // a later one must not win
                    b.upload(y, 0, buf, 0, n);
                    assertEquals(at, b.firstNonFinite(buf, n), "n=" + n + " at=" + at + " v=" + v);
                    assertEquals(-1, b.firstNonFinite(buf, at), "the values before it are finite");
                }
            }
        }
    }
}
