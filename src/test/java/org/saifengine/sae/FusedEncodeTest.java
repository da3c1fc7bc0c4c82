package org.saifengine.sae;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The fused, tiled, multi-threaded encode must equal the plain dense reference encode. */
class FusedEncodeTest {
    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        // d_sae values that are and are not multiples of the micro-kernel block; token counts around the 4-token tile.
        for (int dSae : new int[]{256, 200, 37}) {
            for (int tokens : new int[]{1, 3, 9}) {
                a.add(Arguments.of(Architecture.STANDARD, dSae, tokens, Normalization.NONE, false));
                a.add(Arguments.of(Architecture.JUMPRELU, dSae, tokens, Normalization.NONE, false));
                a.add(Arguments.of(Architecture.TOPK, dSae, tokens, Normalization.NONE, false));
                a.add(Arguments.of(Architecture.GATED, dSae, tokens, Normalization.NONE, false));
            }
        }
        a.add(Arguments.of(Architecture.TOPK, 512, 5, Normalization.NONE, true));
        a.add(Arguments.of(Architecture.STANDARD, 300, 6, Normalization.LAYER_NORM, false));
        a.add(Arguments.of(Architecture.JUMPRELU, 300, 6, Normalization.CONSTANT_NORM_RESCALE, false));
        return a.stream();
    }

    @ParameterizedTest(name = "{0} d_sae={1} tokens={2} {3} rescale={4}")
    @MethodSource("cases")
    void fusedEqualsDense(Architecture arch, int dSae, int tokens, Normalization norm, boolean rescale) {
        int dIn = 48;
        Sae sae = RandomSaes.make(arch, dIn, dSae, Math.min(8, dSae), norm, rescale, dSae * 31L + tokens);
        float[][] x = RandomSaes.inputs(tokens, dIn, tokens);
        SparseCode[] codes = sae.encode(x);
        for (int t = 0; t < tokens; t++) {
            float[] dense = sae.encodeDense(x[t]);
            assertCodeMatchesDense(codes[t], dense, "token " + t);
            if (arch == Architecture.TOPK) assertTrue(codes[t].size() <= sae.config().k());
            float[] viaSparse = sae.decode(codes[t]);
            float[] viaDense = sae.decodeDense(dense, codes[t].norm());
            assertArrayClose(viaDense, viaSparse, 1e-5f, "decode token " + t);
        }
    }

    /** d_in not a multiple of the vector width exercises the scalar tails of every kernel. */
    @Test
    void oddInputWidth() {
        for (Architecture arch : Architecture.values()) {
            for (int tokens : new int[]{1, 6}) {
                Sae sae = RandomSaes.make(arch, 37, 203, 7, Normalization.NONE, false, 13 + tokens);
                float[][] x = RandomSaes.inputs(tokens, 37, 21);
                SparseCode[] codes = sae.encode(x);
                for (int t = 0; t < tokens; t++) assertCodeMatchesDense(codes[t], sae.encodeDense(x[t]), arch + " token " + t);
            }
        }
    }

    @ParameterizedTest(name = "top {0}")
    @MethodSource("topCases")
    void topNKeepsTheStrongest(int top) {
        Sae sae = RandomSaes.make(Architecture.STANDARD, 40, 333, 0, Normalization.NONE, false, 5);
        float[][] x = RandomSaes.inputs(7, 40, 9);
        SparseCode[] all = sae.encode(x);
        SparseCode[] some = sae.encode(x, top);
        for (int t = 0; t < x.length; t++) {
            int n = Math.min(top, all[t].size());
            assertEquals(n, some[t].size());
            for (int m = 0; m < n; m++) {
                assertEquals(all[t].indices()[m], some[t].indices()[m]);
                assertEquals(all[t].values()[m], some[t].values()[m]);
            }
        }
    }

    static Stream<Integer> topCases() {
        return Stream.of(1, 5, 64, 1000);
    }

    @Test
    void largeBatchAcrossThreads() {
        Sae sae = RandomSaes.make(Architecture.TOPK, 96, 2048, 16, Normalization.NONE, false, 77);
        float[][] x = RandomSaes.inputs(37, 96, 3);
        SparseCode[] codes = sae.encode(x);
        for (int t = 0; t < x.length; t++) {
            assertEquals(16, codes[t].size());
            assertCodeMatchesDense(codes[t], sae.encodeDense(x[t]), "token " + t);
        }
    }

    @Test
    void errorTermRestoresTheInput() {
        Sae sae = RandomSaes.make(Architecture.JUMPRELU, 32, 128, 0, Normalization.NONE, false, 4);
        float[] x = RandomSaes.inputs(1, 32, 1)[0];
        float[] e = sae.errorTerm(x);
        float[] r = sae.reconstruct(x);
        for (int d = 0; d < x.length; d++) assertEquals(x[d], r[d] + e[d], 1e-5f);
    }

    @Test
    void foldWDecNormKeepsOutputs() {
        for (Architecture arch : new Architecture[]{Architecture.STANDARD, Architecture.JUMPRELU, Architecture.GATED}) {
            Sae sae = RandomSaes.make(arch, 32, 96, 0, Normalization.NONE, false, 8);
            float[][] x = RandomSaes.inputs(4, 32, 2);
            float[][] before = new float[4][];
            for (int t = 0; t < 4; t++) before[t] = sae.reconstruct(x[t]);
            sae.foldWDecNorm();
            float[] norms = sae.decoderNorms();
            for (float n : norms) assertEquals(1f, n, 1e-5f);
            for (int t = 0; t < 4; t++) assertArrayClose(before[t], sae.reconstruct(x[t]), 1e-4f, arch + " after fold");
        }
        Sae topk = RandomSaes.make(Architecture.TOPK, 32, 96, 4, Normalization.NONE, false, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, topk::foldWDecNorm);
        assertTrue(e.getMessage().contains("rescale_acts_by_decoder_norm"));
    }

    static void assertCodeMatchesDense(SparseCode code, float[] dense, String what) {
        float scale = 1e-6f;
        for (float v : dense) scale = Math.max(scale, Math.abs(v));
        float tol = 1e-5f * scale;
        Map<Integer, Float> sparse = new HashMap<>();
        float prev = Float.MAX_VALUE;
        for (int m = 0; m < code.size(); m++) {
            sparse.put(code.indices()[m], code.values()[m]);
            assertTrue(code.values()[m] > 0, what + ": non-positive value kept");
            assertTrue(code.values()[m] <= prev, what + ": not strongest-first");
            prev = code.values()[m];
        }
        for (int j = 0; j < dense.length; j++) {
            float s = sparse.getOrDefault(j, 0f);
            assertEquals(dense[j], s, tol, what + ": latent " + j);
        }
    }

    static void assertArrayClose(float[] expected, float[] actual, float rel, String what) {
        assertEquals(expected.length, actual.length);
        float scale = 1e-6f;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], rel * scale, what + " [" + i + "]");
    }
}
