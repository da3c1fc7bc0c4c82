package org.saifengine.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.io.Checkpoint;
import org.saifengine.tensor.Tensor;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Interventions change exactly what a hand computation predicts; hooks are per sequence and per position. */
class HooksTest {
    static Model model;
    static Checkpoint weights;
    static final int[] IDS = {1, 403, 407, 261, 378, 432, 383};

    @BeforeAll
    static void load() throws Exception {
        model = Model.open(SharedData.stories260K(), LoadOptions.defaults());
        weights = Checkpoint.open(SharedData.stories260K());
    }

    @AfterAll
    static void close() throws Exception {
        model.close();
        weights.close();
    }

    static float[] randomVector(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    float[] run(int[] ids, Hooks hooks) {
        return model.forward(List.of(new Model.Input(model.newSequence(ids.length), ids, hooks)), true)[0];
    }

    @Test
    void addingAtLastResidPostChangesLogitsAsFinalNormAndUnembeddingPredict() throws Exception {
        ModelConfig c = model.config();
        int d = c.hiddenSize(), vocab = c.vocabSize(), last = IDS.length - 1, lastLayer = c.layers() - 1;
        float[] v = randomVector(d, 1);
        float[] resid = new float[d];
        run(IDS, Hooks.builder().capture(HookPoint.residPost(lastLayer), Positions.of(last),
                (s, p, x) -> System.arraycopy(x, 0, resid, 0, d)).build());
        float[] clean = run(IDS, null);
        float[] steered = run(IDS, Hooks.builder().add(HookPoint.residPost(lastLayer), Positions.of(last), v, 0.5f).build());

        // By hand: rmsnorm(resid + 0.5 v) * w_norm, then a dot with every (tied) embedding row.
        double[] h = new double[d];
        double ss = 0;
        for (int i = 0; i < d; i++) {
            h[i] = resid[i] + 0.5 * v[i];
            ss += h[i] * h[i];
        }
        double inv = 1 / Math.sqrt(ss / d + c.rmsNormEps());
        Tensor norm = weights.get("model.norm.weight"), emb = weights.get("model.embed_tokens.weight");
        for (int i = 0; i < d; i++) h[i] *= inv * norm.getFloat(i);
        for (int t = 0; t < vocab; t++) {
            double logit = 0;
            for (int i = 0; i < d; i++) logit += h[i] * emb.getFloat((long) t * d + i);
            assertEquals(logit, steered[last * vocab + t], 1e-4, "logit " + t);
        }
        // Other positions are untouched, and the steered position did change.
        for (int i = 0; i < last * vocab; i++) assertEquals(clean[i], steered[i], 1e-5f);
        double change = 0;
        for (int t = 0; t < vocab; t++) change += Math.abs(clean[last * vocab + t] - steered[last * vocab + t]);
        assertTrue(change > 1, "the intervention should move the logits");
    }

    @Test
    void entriesRunInOrderAndReplaceWorks() {
        int d = model.config().hiddenSize();
        float[] v = randomVector(d, 2);
        float[] before = new float[d], after = new float[d], replaced = new float[d];
        HookPoint p = HookPoint.parse("blocks.1.hook_resid_mid");
        run(IDS, Hooks.builder()
                .capture(p, Positions.of(3), (s, pos, x) -> System.arraycopy(x, 0, before, 0, d))
                .add(p, Positions.of(3), v, 2f)
                .capture(p, Positions.of(3), (s, pos, x) -> System.arraycopy(x, 0, after, 0, d))
                .replace(HookPoint.parse("blocks.2.hook_resid_pre"), Positions.of(3), v)
                .capture("blocks.2.hook_resid_pre", Positions.of(3), (s, pos, x) -> System.arraycopy(x, 0, replaced, 0, d))
                .build());
        for (int i = 0; i < d; i++) assertEquals(before[i] + 2f * v[i], after[i], 1e-6f);
        assertArrayEquals(v, replaced);
    }

    @Test
    void resid_postOfOneBlockIsResid_preOfTheNextAndAttnPlusMlpSumUp() {
        int d = model.config().hiddenSize();
        float[][] got = new float[5][d];
        String[] names = {"blocks.1.hook_resid_pre", "blocks.1.hook_attn_out", "blocks.1.hook_resid_mid",
                "blocks.1.hook_mlp_out", "blocks.1.hook_resid_post"};
        Hooks.Builder b = Hooks.builder();
        for (int k = 0; k < names.length; k++) {
            float[] dst = got[k];
            b.capture(names[k], Positions.of(2), (s, p, x) -> System.arraycopy(x, 0, dst, 0, d));
        }
        float[] post0 = new float[d];
        b.capture("blocks.0.hook_resid_post", Positions.of(2), (s, p, x) -> System.arraycopy(x, 0, post0, 0, d));
        run(IDS, b.build());
        assertArrayEquals(post0, got[0]);
        for (int i = 0; i < d; i++) {
            assertEquals(got[0][i] + got[1][i], got[2][i], 1e-5f);
            assertEquals(got[2][i] + got[3][i], got[4][i], 1e-5f);
        }
    }

    @Test
    void hooksApplyOnlyToTheirSequenceInABatch() {
        int d = model.config().hiddenSize(), vocab = model.config().vocabSize();
        float[] v = randomVector(d, 3);
        int[] other = {1, 403, 407, 261};
        float[] cleanOther = run(other, null);
        float[] steeredAlone = run(IDS, Hooks.builder().add("blocks.2.hook_resid_post", Positions.all(), v, 1f).build());
        int[] captured = new int[2];
        float[][] out = model.forward(List.of(
                new Model.Input(model.newSequence(IDS.length), IDS, Hooks.builder()
                        .add("blocks.2.hook_resid_post", Positions.all(), v, 1f)
                        .capture("blocks.0.hook_resid_pre", Positions.all(), (s, p, x) -> captured[s]++).build()),
                new Model.Input(model.newSequence(other.length), other, null)), true);
        assertEquals(IDS.length, captured[0]);
        assertEquals(0, captured[1]);
        for (int i = 0; i < steeredAlone.length; i++) assertEquals(steeredAlone[i], out[0][i], 1e-5f);
        for (int i = 0; i < cleanOther.length; i++) assertEquals(cleanOther[i], out[1][i], 1e-5f);
        assertEquals(other.length * vocab, out[1].length);
    }

    @Test
    void captureRunsOnlyTheBlocksItNeedsAndGivesTheSameVectors() {
        int d = model.config().hiddenSize();
        float[] full = new float[d], partial = new float[d];
        run(IDS, Hooks.builder().capture("blocks.1.hook_resid_post", Positions.of(5), (s, p, x) -> System.arraycopy(x, 0, full, 0, d)).build());
        Sequence seq = model.newSequence(IDS.length + 1);
        model.capture(List.of(new Model.Input(seq, IDS, Hooks.builder()
                .capture("blocks.1.hook_resid_post", Positions.of(5), (s, p, x) -> System.arraycopy(x, 0, partial, 0, d))
                .build())));
        assertArrayEquals(full, partial);
        assertEquals(IDS.length, seq.length());
        var e = assertThrows(IllegalArgumentException.class, () -> model.forward(List.of(new Model.Input(seq, new int[]{5})), false));
        assertTrue(e.getMessage().contains("capture"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.capture(List.of(new Model.Input(model.newSequence(2), new int[]{1, 2}))));
    }

    @Test
    void badHooksAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> HookPoint.parse("blocks.x.hook_resid_post"));
        assertThrows(IllegalArgumentException.class, () -> HookPoint.parse("blocks.1.hook_nothing"));
        assertEquals("blocks.3.hook_mlp_out", HookPoint.parse("blocks.3.hook_mlp_out").toString());
        var e = assertThrows(IllegalArgumentException.class, () -> run(IDS,
                Hooks.builder().capture("blocks.9.hook_resid_post", Positions.all(), (s, p, x) -> {}).build()));
        assertTrue(e.getMessage().contains("layer 9"), e.getMessage());
        float[] nan = new float[model.config().hiddenSize()];
        nan[0] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> Hooks.builder().add("blocks.0.hook_resid_post", Positions.all(), nan, 1f));
        assertThrows(IllegalArgumentException.class, () -> Hooks.builder().add("blocks.0.hook_resid_post", Positions.all(),
                new float[4], Float.NaN));
        var wrong = assertThrows(IllegalArgumentException.class, () -> run(IDS,
                Hooks.builder().add("blocks.0.hook_resid_post", Positions.all(), new float[3], 1f).build()));
        assertTrue(wrong.getMessage().contains("length 3"), wrong.getMessage());
    }
}
