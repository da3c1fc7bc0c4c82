package org.saifengine.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.backend.cpu.CpuBackend;
import org.saifengine.io.Json;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** stories260K against golden.json (float64 reference of llama2.c's run.c). */
class StoriesGoldenTest {
    static JsonNode golden;
    static Model model;

    @BeforeAll
    static void load() throws Exception {
        golden = Json.read(SharedData.stories260K().resolve("golden.json"));
        model = Model.open(SharedData.stories260K(), LoadOptions.defaults());
    }

    @AfterAll
    static void close() throws Exception {
        if (model != null) model.close();
    }

    static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).asInt();
        return out;
    }

    static float[] floats(JsonNode n) {
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) n.get(i).asDouble();
        return out;
    }

    static void assertClose(float[] expected, float[] actual, int actualOffset, double tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            float a = actual[actualOffset + i];
            assertTrue(Math.abs(a - expected[i]) <= tol, what + "[" + i + "]: expected " + expected[i] + " got " + a);
        }
    }

    @Test
    void logitsNormsAndResidualMatchGolden() {
        int[] ids = ints(golden.get("sequence_ids_used_below"));
        int layers = model.config().layers(), d = model.config().hiddenSize(), vocab = model.config().vocabSize();
        double[][] norms = new double[ids.length][layers];
        float[] resid24 = new float[d];
        Hooks.Builder hb = Hooks.builder();
        for (int l = 0; l < layers; l++) {
            final int layer = l;
            hb.capture(HookPoint.residPost(l), Positions.all(), (seq, pos, x) -> {
                double s = 0;
                for (float f : x) s += (double) f * f;
                norms[pos][layer] = Math.sqrt(s);
            });
        }
        hb.capture("blocks.2.hook_resid_post", Positions.of(4), (seq, pos, x) -> System.arraycopy(x, 0, resid24, 0, d));
        Sequence seq = model.newSequence(ids.length);
        float[] logits = model.forward(List.of(new Model.Input(seq, ids, hb.build())), true)[0];

        assertClose(floats(golden.get("logits_pos0_full")), logits, 0, 1e-4, "logits pos 0");
        int lastPrompt = golden.get("prompt_ids_with_bos").size() - 1;
        assertClose(floats(golden.get("logits_last_prompt_pos_full")), logits, lastPrompt * vocab, 1e-4, "logits last prompt pos");
        for (int p = 0; p < ids.length; p++) {
            assertClose(floats(golden.get("logits_first8_per_pos").get(p)), logits, p * vocab, 1e-4, "logits first 8, pos " + p);
            assertEquals(golden.get("argmax_per_pos").get(p).asInt(), Sampler.argmax(logits, p * vocab, vocab), "argmax at " + p);
            for (int l = 0; l < layers; l++) {
                double want = golden.get("resid_after_layer_l2norm_per_pos").get(p).get(l).asDouble();
                assertEquals(want, norms[p][l], 1e-4 * want, "resid norm pos " + p + " layer " + l);
            }
        }
        assertClose(floats(golden.get("resid_after_layer2_pos4")), resid24, 0, 1e-4, "resid after layer 2, pos 4");
    }

    @Test
    void greedyGenerationMatchesGolden() {
        int[] prompt = ints(golden.get("prompt_ids_with_bos"));
        int[] steps = ints(golden.get("greedy_ids_first64_steps")); // llama2.c steps: prompt (no BOS) then generated
        int[] expected = java.util.Arrays.copyOfRange(steps, prompt.length - 1, steps.length);
        var result = new Generator(model, null).generate(List.of(
                Generator.Request.of(prompt, SamplingParams.greedy(), expected.length))).get(0);
        assertArrayEquals(expected, result.generatedIds());
    }

    @Test
    void scalarBackendAgreesWithVectorBackend() throws Exception {
        int[] ids = ints(golden.get("sequence_ids_used_below"));
        try (Model scalar = Model.open(SharedData.stories260K(), new LoadOptions(CpuBackend.scalar(), null))) {
            float[] a = model.forward(List.of(new Model.Input(model.newSequence(ids.length), ids)), true)[0];
            float[] b = scalar.forward(List.of(new Model.Input(scalar.newSequence(ids.length), ids)), true)[0];
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4, "logit " + i);
        }
    }
}
