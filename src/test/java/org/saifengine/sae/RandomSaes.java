package org.saifengine.sae;

import java.util.Random;

/** Random SAEs for tests (seeded). */
final class RandomSaes {
    private RandomSaes() {}

    static float[] gauss(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    static float[] uniform(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * scale);
        return a;
    }

    static Sae make(Architecture arch, int dIn, int dSae, int k, Normalization norm, boolean rescale, long seed) {
        Random r = new Random(seed);
        double s = 1 / Math.sqrt(dIn);
        SaeWeights w = new SaeWeights(gauss(r, dIn * dSae, s), arch == Architecture.GATED ? null : gauss(r, dSae, 0.3),
                gauss(r, dSae * dIn, s), gauss(r, dIn, 0.3),
                arch == Architecture.JUMPRELU ? uniform(r, dSae, 1.0) : null,
                arch == Architecture.GATED ? gauss(r, dSae, 0.3) : null,
                arch == Architecture.GATED ? gauss(r, dSae, 0.3) : null,
                arch == Architecture.GATED ? gauss(r, dSae, 0.2) : null);
        SaeConfig cfg = new SaeConfig(arch, dIn, dSae, k, true, norm, rescale, "blocks.0.hook_resid_post", null, "test");
        return Sae.create(cfg, w);
    }

    static float[][] inputs(int t, int d, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[t][];
        for (int i = 0; i < t; i++) {
            x[i] = gauss(r, d, 1.5);
            for (int j = 0; j < d; j++) x[i][j] += 0.2f;
        }
        return x;
    }
}
