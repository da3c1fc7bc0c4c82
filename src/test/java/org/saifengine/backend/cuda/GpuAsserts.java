package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;

/** Shared helpers of the GPU tests: the device assumption, seeded inputs and the llm.c-style tolerance check. */
final class GpuAsserts {
    /** f32 kernels vs the CPU reference; bf16 operands (rounded activations or caches) get 1e-2. */
    static final double F32_TOL = 1e-5, BF16_TOL = 1e-2;

    private GpuAsserts() {}

    static void assumeDevice() {
        CudaStatus s = CudaProbe.status();
        Assumptions.assumeTrue(s.available(), () -> "skipped: " + s.describe());
        Assumptions.assumeTrue(CudaDevice.hasKernels("rmsnorm"), "skipped: the jar has no CUDA kernels (no nvcc 13.0 at build)");
    }

    static float[] random(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    static float[] nans(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    /**
     * |actual - expected| <= tol * max(|expected|, rms(expected)) element by element: relative where values are
     * large, and relative to the output's scale where they are near zero (sums with cancellation). NaN fails.
     */
    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertTrue(actual.length >= expected.length, what + ": output too short");
        double ss = 0;
        for (float e : expected) ss += (double) e * e;
        double rms = Math.sqrt(ss / Math.max(1, expected.length));
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            double limit = tol * Math.max(Math.abs(e), rms) + 1e-30;
            if (!(Math.abs(a - e) <= limit)) {
                if (bad++ < 5) first.append(String.format("%n  [%d] expected %.8g got %.8g", i, e, a));
            }
        }
        if (bad > 0) fail(what + ": " + bad + " of " + expected.length + " values off (tol " + tol + ")" + first);
    }
}
