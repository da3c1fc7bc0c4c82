package org.saifengine.sae;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The int8-screened encode (the default for one token, any batch through encodeScreened) must return exactly (bit for bit) what the exact f32 encode
 * ({@link Sae#encodeExact}) returns: same latents, same order, same float values. Includes inputs built to sit on
 * the screen's error bound, exact ties and thresholds equal to a pre-activation.
 */
class ScreenedEncodeTest {
    static void assertSame(SparseCode[] exact, SparseCode[] screened, String what) {
        assertEquals(exact.length, screened.length);
        for (int t = 0; t < exact.length; t++) {
            assertArrayEquals(exact[t].indices(), screened[t].indices(), what + " token " + t + " indices");
            float[] a = exact[t].values(), b = screened[t].values();
            assertEquals(a.length, b.length);
            for (int m = 0; m < a.length; m++) {
                assertEquals(Float.floatToRawIntBits(a[m]), Float.floatToRawIntBits(b[m]), what + " token " + t + " value " + m);
            }
        }
    }

    static void check(Sae sae, float[][] x, String what) {
        assertSame(sae.encodeExact(x, 0), sae.encodeScreened(x, 0), what);
        assertSame(sae.encodeExact(x, 0), sae.encode(x, 0), what + " (default path)");
        for (int top : new int[]{1, 3, 17}) assertSame(sae.encodeExact(x, top), sae.encodeScreened(x, top), what + " top " + top);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void randomSaesMatchExactly(Architecture arch) {
        for (int dIn : new int[]{48, 37, 130}) {
            for (int tokens : new int[]{1, 2, 5, 37}) {
                Sae sae = RandomSaes.make(arch, dIn, 403, 12, Normalization.NONE, false, dIn * 7L + tokens);
                check(sae, RandomSaes.inputs(tokens, dIn, tokens + 3), arch + " d_in " + dIn + " tokens " + tokens);
            }
        }
    }

    @Test
    void normalisationAndRescaleMatchExactly() {
        check(RandomSaes.make(Architecture.TOPK, 64, 300, 9, Normalization.NONE, true, 3), RandomSaes.inputs(7, 64, 1), "topk rescale");
        check(RandomSaes.make(Architecture.STANDARD, 64, 300, 0, Normalization.LAYER_NORM, false, 4), RandomSaes.inputs(7, 64, 2), "layer norm");
        check(RandomSaes.make(Architecture.JUMPRELU, 64, 300, 0, Normalization.CONSTANT_NORM_RESCALE, false, 5), RandomSaes.inputs(7, 64, 3), "cnr");
    }

    /** Identical latents give identical values: the tie must go to the lower index, as in the exact encoder. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void exactTies(Architecture arch) {
        int dIn = 40, dSae = 256;
        Sae sae = RandomSaes.make(arch, dIn, dSae, 5, Normalization.NONE, false, 11);
        SaeWeights w = sae.weights();
        Random r = new Random(2);
        for (int n = 0; n < 60; n++) {
            int a = r.nextInt(dSae), b = r.nextInt(dSae);
            System.arraycopy(w.encoderRows(), a * dIn, w.encoderRows(), b * dIn, dIn);
            for (float[] v : new float[][]{w.bEnc(), w.threshold(), w.bGate(), w.bMag(), w.rMag()}) if (v != null) v[b] = v[a];
        }
        sae = Sae.create(sae.config(), w); // rebuild derived caches (gated exp(r_mag))
        check(sae, RandomSaes.inputs(9, dIn, 4), arch + " ties");
        check(sae, RandomSaes.inputs(1, dIn, 5), arch + " ties, one token");
    }

    /**
     * Inputs along the quantisation residual of a latent push the screened dot product as far from the exact one as
     * the bound allows; thresholds set to the exact pre-activation (and one ulp either side) test the strict '>'.
     */
    @Test
    void adversarialInputsAndThresholds() {
        int dIn = 64, dSae = 512;
        Sae sae = RandomSaes.make(Architecture.JUMPRELU, dIn, dSae, 0, Normalization.NONE, false, 21);
        ScreeningCopy sc = sae.screeningCopy();
        float[] rows = sae.weights().encoderRows();
        float[][] x = new float[12][dIn];
        for (int t = 0; t < x.length; t++) {
            int j = t * 37 % dSae;
            for (int i = 0; i < dIn; i++) {
                float resid = rows[j * dIn + i] - sc.scale[j] * sc.q[j * dIn + i];
                x[t][i] = (t % 2 == 0 ? 1e3f : -1e3f) * resid + rows[j * dIn + i] * (t % 3);
            }
        }
        // apply_b_dec_to_input shifts x; encode the shifted inputs' exact pre-activations into thresholds.
        float[] xp = new float[dIn];
        sae.prepareInput(x[0], xp);
        float[] pre = sae.dots(xp);
        float[] thr = sae.weights().threshold(), bEnc = sae.weights().bEnc();
        for (int j = 0; j < dSae; j++) {
            float p = pre[j] + bEnc[j];
            thr[j] = switch (j % 3) { case 0 -> p; case 1 -> Math.nextDown(p); default -> Math.nextUp(p); };
        }
        sae.weightsChanged();
        check(sae, x, "adversarial jumprelu");

        Sae topk = RandomSaes.make(Architecture.TOPK, dIn, dSae, 8, Normalization.NONE, false, 22);
        float[][] big = new float[3][dIn];
        for (int i = 0; i < dIn; i++) {
            big[0][i] = 1e30f * ((i % 2) * 2 - 1);
            big[1][i] = 1e-30f * i;
        }
        check(topk, big, "extreme magnitudes and zero input");
        float[][] nan = {new float[dIn]};
        nan[0][3] = Float.NaN;
        check(topk, nan, "NaN input");
    }

    /** At a realistic shape the screen leaves far fewer latents than d_sae to recompute (what makes it faster). */
    @Test
    void screenPrunesMostLatents() {
        int dIn = 256, dSae = 4096;
        Sae sae = RandomSaes.make(Architecture.TOPK, dIn, dSae, 32, Normalization.NONE, false, 31);
        float[][] x = RandomSaes.inputs(4, dIn, 5);
        int[] n = sae.screenCandidates(x, 0);
        for (int c : n) {
            assertTrue(c >= 32, "the candidates include the k selected latents: " + Arrays.toString(n));
            assertTrue(c < dSae / 4, "screen kept " + c + " of " + dSae + " latents");
        }
        check(sae, x, "topk 4096");
    }
}
