package org.saifengine.sae.train;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The hand-written backward pass against central finite differences, and the recipe's invariants. */
class TopKTrainerTest {
    static float[][] data(int b, int d, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[b][d];
        for (float[] row : x) for (int i = 0; i < d; i++) row[i] = (float) (r.nextGaussian() * 2 + 0.5);
        return x;
    }

    /** Main loss (AuxK off): every parameter group. */
    @Test
    void gradientsMatchFiniteDifferences() {
        checkGradients(0.0, false);
    }

    /**
     * AuxK: its target (the main residual) is detached, so only parameters that leave the main path unchanged are
     * perturbed: those of dead latents that no token selected.
     */
    @Test
    void auxKGradientsMatchFiniteDifferences() {
        checkGradients(0.5, true);
    }

    private static void checkGradients(double alpha, boolean auxOnly) {
        int dIn = 12, n = 40, k = 4;
        TrainConfig cfg = new TrainConfig(n, k, 16, 1600, 1e-3, 0, 0.2, alpha, 100, 3);
        float[][] x = data(16, dIn, 1);
        TrainState st = TopKTrainer.initialise(cfg, dIn, x);
        Random r = new Random(9);
        for (int i = 0; i < st.bEnc.length; i++) st.bEnc[i] = (float) (r.nextGaussian() * 0.1);
        // Half the latents count as dead so that the AuxK term has gradients too.
        for (int j = 0; j < n; j += 2) st.tokensSinceFired[j] = 1000;
        TopKTrainer t = new TopKTrainer(cfg, dIn, st);
        TopKTrainer.Pass base = t.pass(x);
        if (auxOnly) assertTrue(base.auxSse() > 0, "AuxK term should be active");
        java.util.List<Integer> quiet = new java.util.ArrayList<>();
        for (int j = 0; j < n; j += 2) if (!base.fired()[j]) quiet.add(j);
        assertFalse(auxOnly && quiet.isEmpty(), "test setup: no dead, unselected latent");
        float[] gWencT = t.gradWencT().clone(), gWdec = t.gradWdec().clone(), gBenc = t.gradBenc().clone(), gBdec = t.gradBdec().clone();

        int checked = 0;
        for (int trial = 0; trial < 80 && checked < 40; trial++) {
            int which = auxOnly ? trial % 3 : trial % 4;
            int jq = auxOnly ? quiet.get(r.nextInt(quiet.size())) : r.nextInt(n);
            float[] param;
            int i;
            float analytic;
            switch (which) {
                case 0 -> {
                    i = r.nextInt(dIn) * n + jq;
                    param = st.wEnc;
                    analytic = gWencT[(i % n) * dIn + i / n];
                }
                case 1 -> {
                    i = jq * dIn + r.nextInt(dIn);
                    param = st.wDec;
                    analytic = gWdec[i];
                }
                case 2 -> {
                    i = jq;
                    param = st.bEnc;
                    analytic = gBenc[i];
                }
                default -> {
                    i = r.nextInt(dIn);
                    param = st.bDec;
                    analytic = gBdec[i];
                }
            }
            float orig = param[i];
            float eps = 3e-3f;
            param[i] = orig + eps;
            TopKTrainer.Pass plus = t.pass(x);
            param[i] = orig - eps;
            TopKTrainer.Pass minus = t.pass(x);
            param[i] = orig;
            // TopK is discontinuous where the selection changes; a difference across such a flip says nothing.
            if (plus.selection() != base.selection() || minus.selection() != base.selection()) continue;
            double numeric = (plus.loss(cfg.auxkAlpha()) - minus.loss(cfg.auxkAlpha())) / (2 * eps);
            assertEquals(numeric, analytic, 2e-3 + 0.03 * Math.abs(numeric), "param group " + which + " index " + i);
            checked++;
        }
        assertEquals(40, checked);
    }

    @Test
    void trainingReducesFvuAndKeepsUnitDecoderRows() {
        int dIn = 16, n = 64, k = 4;
        // Data that really is sparse in a dictionary: each token is a sum of 3 of 64 random directions.
        Random r = new Random(5);
        float[][] dict = data(n, dIn, 2);
        float[][] x = new float[4096][dIn];
        for (float[] row : x) for (int m = 0; m < 3; m++) {
            float[] a = dict[r.nextInt(n)];
            float c = (float) (1 + r.nextDouble());
            for (int d = 0; d < dIn; d++) row[d] += c * a[d];
        }
        TrainConfig cfg = new TrainConfig(n, k, 256, 256L * 400, 3e-3, 20, 0.2, 1.0 / 32, 2048, 7);
        TopKTrainer t = new TopKTrainer(cfg, dIn, TopKTrainer.initialise(cfg, dIn, x));
        double first = Double.NaN, last = Double.NaN;
        for (int step = 0; step < 400; step++) {
            float[][] b = new float[256][];
            for (int i = 0; i < 256; i++) b[i] = x[r.nextInt(x.length)];
            StepStats s = t.step(b);
            if (step == 0) first = s.fvu();
            last = s.fvu();
            assertEquals(k, s.l0(), 1e-9);
        }
        assertTrue(last < 0.5 * first && last < 0.3, "FVU went from " + first + " to " + last);
        float[] norms = t.toSae("blocks.0.hook_resid_post", null).decoderNorms();
        for (float v : norms) assertEquals(1f, v, 1e-5f);
    }

    @Test
    void geometricMedianIsRobustToOutliers() {
        float[][] pts = new float[101][2];
        for (int i = 0; i < 100; i++) pts[i] = new float[]{(float) Math.cos(i), (float) Math.sin(i)};
        pts[100] = new float[]{1000, 1000};
        float[] m = TopKTrainer.geometricMedian(pts, 200);
        assertTrue(Math.hypot(m[0], m[1]) < 0.2, "median " + m[0] + "," + m[1]);
    }

    @Test
    void learningRateSchedule() {
        TrainConfig c = new TrainConfig(64, 4, 100, 100 * 100, 1e-3, 10, 0.2, 0, 100, 1);
        assertEquals(1e-4, c.lrAt(0), 1e-12);
        assertEquals(1e-3, c.lrAt(50), 1e-12);
        assertEquals(0.5e-3, c.lrAt(90), 1e-12);
        assertTrue(c.lrAt(99) > 0 && c.lrAt(99) < 1e-4);
    }
}
