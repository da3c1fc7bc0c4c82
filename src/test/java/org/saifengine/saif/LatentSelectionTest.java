package org.saifengine.saif;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Scoring and selection on synthetic activations with planted instruction latents and decoys. */
class LatentSelectionTest {
    static final int D_SAE = 400;
    static final List<String> VARIANTS = List.of("en-0", "en-1", "en-2", "en-3", "en-4", "en-5", "en-6", "en-7", "fr", "de", "es", "it");
    static final Set<Integer> PLANTED = Set.of(17, 42, 99, 123, 250, 311);
    static final int ONE_PARAPHRASE_DECOY = 5;     // fires strongly, but only for variant en-3
    static final int NEGATIVE_DECOY = 77;          // fires strongly for positives AND negatives
    static final int STRONG_ONE_PARAPHRASE = 8;    // very strong for en-0 only: high mean_P but inconsistent
    static final int SHALLOW_NEGATIVE = 300;       // fires on every positive, also on 40% of negatives

    private static LatentStats plantedStats(long seed) {
        Random rnd = new Random(seed);
        LatentStats stats = new LatentStats(D_SAE, VARIANTS, 0.0);
        for (int v = 0; v < VARIANTS.size(); v++) {
            for (int s = 0; s < 30; s++) {
                float[] a = background(rnd);
                for (int j : PLANTED) if (rnd.nextDouble() < 0.85) a[j] = 2f + rnd.nextFloat() * 2f;
                if (v == 3) a[ONE_PARAPHRASE_DECOY] = 60f;
                if (v == 0) a[STRONG_ONE_PARAPHRASE] = 100f;
                a[NEGATIVE_DECOY] = 6f + rnd.nextFloat();
                a[SHALLOW_NEGATIVE] = 5f;
                stats.addPositive(v, a);
            }
        }
        for (int s = 0; s < 120; s++) {
            float[] a = background(rnd);
            a[NEGATIVE_DECOY] = 1f + rnd.nextFloat();
            a[SHALLOW_NEGATIVE] = s % 5 < 2 ? 0.5f : 0f;
            // planted latents stay nearly silent on negatives: about 5% fire weakly
            for (int j : PLANTED) if (rnd.nextDouble() < 0.05) a[j] = 0.3f;
            stats.addNegative(a);
        }
        return stats;
    }

    /** Sparse noise: each latent fires with probability 3% at a small activation. */
    private static float[] background(Random rnd) {
        float[] a = new float[D_SAE];
        for (int j = 0; j < D_SAE; j++) if (rnd.nextDouble() < 0.03) a[j] = rnd.nextFloat() * 0.8f;
        return a;
    }

    /** freq_N <= rho and consistency >= tau hold at equality, although the frequencies are floats (0.2f > 0.2). */
    @Test
    void thresholdsIncludeEquality() {
        for (int nNeg : new int[]{5, 10, 40}) {
            LatentStats stats = new LatentStats(3, List.of("a", "b"), 0.0);
            for (int v = 0; v < 2; v++)
                for (int s = 0; s < 10; s++) stats.addPositive(v, new float[]{1f, 1f, s < 5 ? 1f : 0f});  // latent 2: consistency 0.5
            int atRho = nNeg / 5;  // exactly 0.2 of the negatives
            for (int s = 0; s < nNeg; s++) stats.addNegative(new float[]{s < atRho ? 0.5f : 0f, s <= atRho ? 0.5f : 0f, 0f});
            LatentScores sc = stats.scores();
            assertEquals(0.2f, sc.freqN()[0]);
            assertTrue(sc.freqN()[0] > 0.2, "0.2f is above the double 0.2: the case this test guards");
            assertEquals(List.of(0, 2), sc.select(3, 0.5, 0.2, SaifParams.RankBy.SENSITIVITY), nNeg + " negatives");
            assertTrue(sc.passes(0, 0.5, 0.2) && !sc.passes(1, 0.5, 0.2) && sc.passes(2, 0.5, 0.2));
            assertFalse(sc.passes(2, 0.51, 0.2));
        }
    }

    @Test
    void selectionRecoversExactlyThePlantedLatents() {
        LatentScores scores = plantedStats(1).scores();
        SaifParams p = SaifParams.defaults().withK(PLANTED.size());
        List<Integer> selected = scores.select(p);
        assertEquals(new TreeSet<>(PLANTED), new TreeSet<>(selected));
        // With k larger than the planted set, nothing else qualifies: every decoy fails a filter.
        assertEquals(new TreeSet<>(PLANTED), new TreeSet<>(scores.select(p.withK(50))));
        for (int trial = 2; trial < 6; trial++) {
            assertEquals(new TreeSet<>(PLANTED), new TreeSet<>(plantedStats(trial).scores().select(p.withK(50))), "seed " + trial);
        }
    }

    @Test
    void decoysFailForTheDocumentedReasons() {
        LatentScores s = plantedStats(1).scores();
        // The decoys have the highest sensitivity, so only the filters keep them out.
        for (int decoy : List.of(ONE_PARAPHRASE_DECOY, STRONG_ONE_PARAPHRASE, NEGATIVE_DECOY))
            for (int j : PLANTED) assertTrue(s.sensitivity()[decoy] > s.sensitivity()[j], "decoy " + decoy + " vs " + j);
        assertEquals(0f, s.consistency()[ONE_PARAPHRASE_DECOY]);
        assertEquals(1f, s.freqByVariant()[VARIANTS.indexOf("en-3")][ONE_PARAPHRASE_DECOY]);
        assertEquals(1f, s.freqN()[NEGATIVE_DECOY]);
        assertEquals(0.4f, s.freqN()[SHALLOW_NEGATIVE], 1e-6);
        assertEquals(1f, s.consistency()[SHALLOW_NEGATIVE]);
        // Loosening rho to 0.5 lets the latent that fires on 40% of negatives in, and ranks it by sensitivity.
        List<Integer> loose = s.select(7, 0.5, 0.5, SaifParams.RankBy.SENSITIVITY);
        assertEquals(SHALLOW_NEGATIVE, loose.getFirst());
        // tau = 0 admits the one-paraphrase decoys, which then outrank the planted latents.
        List<Integer> noConsistency = s.select(2, 0.0, 0.2, SaifParams.RankBy.SENSITIVITY);
        assertEquals(List.of(STRONG_ONE_PARAPHRASE, ONE_PARAPHRASE_DECOY), noConsistency);
    }

    @Test
    void scoresMatchHandComputedValues() {
        LatentStats st = new LatentStats(3, List.of("a", "b"), 0.0);
        st.addPositive(0, new float[]{1, 0, 2});
        st.addPositive(0, new float[]{3, 0, 0});
        st.addPositive(1, new float[]{0, 4, 2});
        st.addPositive(1, new float[]{2, 0, 2});
        st.addNegative(new float[]{1, 0, 0});
        st.addNegative(new float[]{0, 0, 0});
        LatentScores s = st.scores();
        assertArrayEquals(new float[]{0.75f, 0.25f, 0.75f}, s.freqP());
        assertArrayEquals(new float[]{0.5f, 0f, 0f}, s.freqN());
        assertArrayEquals(new float[]{1f, 0f, 0.5f}, s.freqByVariant()[0]);
        assertArrayEquals(new float[]{0.5f, 0.5f, 1f}, s.freqByVariant()[1]);
        assertArrayEquals(new float[]{0.5f, 0f, 0.5f}, s.consistency());
        assertArrayEquals(new float[]{1.5f, 1f, 1.5f}, s.meanP());
        assertArrayEquals(new float[]{1.5f - 0.5f, 1f, 1.5f}, s.sensitivity());
        // latent 0: P = {1,3,0,2} (ss = 5), N = {1,0} (ss = 0.5); pooled sd = sqrt(5.5/4)
        assertEquals(1.0 / Math.sqrt(5.5 / 4), s.standardized()[0], 1e-6);
        assertEquals(List.of(2), s.select(1, 0.5, 0.2, SaifParams.RankBy.SENSITIVITY));
        assertEquals(List.of(2, 0), s.select(5, 0.5, 0.5, SaifParams.RankBy.SENSITIVITY));
    }

    @Test
    void badInputIsRejectedWithAClearMessage() {
        LatentStats st = new LatentStats(3, List.of("a"), 0.0);
        var e = assertThrows(IllegalArgumentException.class, () -> st.addPositive(0, new float[]{1, 2}));
        assertTrue(e.getMessage().contains("expected 3"));
        assertThrows(IllegalArgumentException.class, () -> st.addNegative(new float[]{Float.NaN, 0, 0}));
        assertThrows(IllegalArgumentException.class, () -> st.addPositive(1, new float[3]));
        var noNeg = assertThrows(IllegalStateException.class, st::scores);
        assertTrue(noNeg.getMessage().contains("positives and negatives"));
        List<String> none = new ArrayList<>();
        assertThrows(IllegalArgumentException.class, () -> new LatentStats(3, none, 0));
        assertThrows(IllegalArgumentException.class, () -> SaifParams.defaults().withSelection(10, 1.5, 0.2));
    }
}
