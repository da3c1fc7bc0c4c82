package org.saifengine.saif;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.saifengine.io.ModelFiles;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.Positions;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Read positions: the instruction span is found in the chat-wrapped prompt, and the read is the span's mean residual. */
class ReadPositionTest {

    /** Every variant in both placements: the span's tokens decode to the instruction; a negative's to its content. */
    static void assertSpansDecodeToInstruction(EngineSession lm, Task task, List<Content> contents) {
        for (Content c : contents) {
            for (Placement pl : Placement.values()) {
                SpannedPrompt neg = PromptBuilder.spanned(lm, task, c, null, pl);
                assertEquals(c.text().strip(), spanText(lm, neg));
                for (InstructionVariant v : task.variants()) {
                    SpannedPrompt pos = PromptBuilder.spanned(lm, task, c, v, pl);
                    assertEquals(v.text(), pos.span());
                    assertEquals(v.text().strip(), spanText(lm, pos), task.name() + " " + v.id() + " " + pl);
                }
            }
        }
    }

    static String spanText(EngineSession lm, SpannedPrompt p) {
        int[] ids = lm.encode(p.text());
        int[] r = lm.readRange(ids, p, ReadPosition.INSTRUCTION_MEAN);
        assertTrue(r[0] >= 0 && r[0] < r[1] && r[1] <= ids.length, Arrays.toString(r));
        return lm.tokenizer().decode(Arrays.copyOfRange(ids, r[0], r[1]), true).strip();
    }

    @Test
    void instructionSpanInStoriesPrompts() throws IOException {
        try (EngineSession lm = StoriesFixture.open()) {
            Task task = TaskSuite.load("concept-she");
            assertSpansDecodeToInstruction(lm, task, TaskContents.load(task).discovery().subList(0, 3));
        }
    }

    @Test
    void instructionSpanInChatTemplatedPrompts() throws IOException {
        Assumptions.assumeTrue(Files.isRegularFile(ModelFiles.defaultModelPath()), "the default model is not downloaded");
        StoriesFixture.open().close();  // sets shared.dir for the task contents
        try (EngineSession lm = EngineSession.open(ModelFiles.open("default"))) {
            for (String name : List.of("translate-fr", "lowercase", "keywords")) {
                Task task = TaskSuite.load(name);
                List<Content> cs = TaskContents.load(task).discovery().subList(0, 2);
                assertNotEquals(cs.getFirst().text(), lm.formatPrompt(cs.getFirst().text()), "the default model has a chat template");
                assertSpansDecodeToInstruction(lm, task, cs);
            }
        }
    }

    @Test
    void readsAreTheMeanOverTheirTokenRange() throws IOException {
        try (EngineSession lm = StoriesFixture.open()) {
            Task task = TaskSuite.load("concept-she");
            Content c = TaskContents.load(task).discovery().getFirst();
            List<SpannedPrompt> prompts = List.of(PromptBuilder.spanned(lm, task, c, task.variants().get(2), Placement.PRE),
                    PromptBuilder.spanned(lm, task, c, task.variants().get(0), Placement.POST),
                    PromptBuilder.spanned(lm, task, c, null, Placement.POST));
            int[] layers = {1, 4};
            for (ReadPosition rp : ReadPosition.values()) {
                float[][][] read = lm.readResiduals(prompts, layers, rp);  // one batched call
                for (int p = 0; p < prompts.size(); p++) {
                    int[] ids = lm.encode(prompts.get(p).text());
                    int[] r = lm.readRange(ids, prompts.get(p), rp);
                    if (rp == ReadPosition.LAST) assertArrayEquals(new int[]{ids.length - 1, ids.length}, r);
                    if (rp == ReadPosition.PROMPT_MEAN) assertArrayEquals(new int[]{0, ids.length}, r);
                    if (rp == ReadPosition.INSTRUCTION_MEAN) assertTrue(r[1] - r[0] > 1 && r[1] - r[0] < ids.length, Arrays.toString(r));
                    for (int li = 0; li < layers.length; li++) {
                        List<float[]> rows = captureAll(lm, ids, layers[li]);
                        assertEquals(ids.length, rows.size());
                        for (int i = 0; i < lm.dModel(); i++) {
                            double sum = 0;
                            for (int t = r[0]; t < r[1]; t++) sum += rows.get(t)[i];
                            double mean = sum / (r[1] - r[0]);
                            assertEquals(mean, read[p][li][i], 1e-4 * (1 + Math.abs(mean)), rp + " prompt " + p + " layer " + layers[li] + " dim " + i);
                        }
                    }
                }
            }
        }
    }

    /** Mixed read positions in one pass equal separate passes; find's difference of means stays at the last token. */
    @Test
    void findReadsTheDifferenceOfMeansAtTheLastTokenWhateverTheReadPosition() throws IOException {
        try (EngineSession lm = StoriesFixture.open()) {
            Task task = TaskSuite.load("concept-she");
            List<Content> cs = TaskContents.load(task).discovery().subList(0, 2);
            List<SpannedPrompt> prompts = List.of(PromptBuilder.spanned(lm, task, cs.getFirst(), task.variants().get(1), Placement.POST));
            float[][][] mixed = lm.readResiduals(prompts, new int[]{2, 4, 4}, new ReadPosition[]{ReadPosition.LAST,
                    ReadPosition.LAST, ReadPosition.INSTRUCTION_MEAN});
            float[][][] last = lm.readResiduals(prompts, new int[]{2, 4}, ReadPosition.LAST);
            float[][][] span = lm.readResiduals(prompts, new int[]{4}, ReadPosition.INSTRUCTION_MEAN);
            assertArrayEquals(last[0][0], mixed[0][0]);
            assertArrayEquals(last[0][1], mixed[0][1]);
            assertArrayEquals(span[0][0], mixed[0][2]);
            assertFalse(Arrays.equals(mixed[0][1], mixed[0][2]));

            LatentDictionary identity = new LatentDictionary() {  // the residual itself as "latents"
                public String id() { return "identity"; }
                public int dIn() { return lm.dModel(); }
                public int dSae() { return lm.dModel(); }
                public int layer() { return 4; }
                public float[] encode(float[] r) { return r.clone(); }
                public float[] decoderRow(int j) { float[] e = new float[lm.dModel()]; e[j] = 1; return e; }
            };
            SaifParams lastP = SaifParams.defaults();
            SaifParams spanP = SaifParams.fromJson(lastP.toJson().put("read_position", "instruction-mean"));
            FindPartial a = FindPartial.empty(lm, identity, task, lastP), b = FindPartial.empty(lm, identity, task, spanP);
            for (Content c : cs) {
                a.add(lm, identity, task, c, lastP);
                b.add(lm, identity, task, c, spanP);
            }
            for (int l = 0; l < lm.layers(); l++) assertArrayEquals(a.differenceOfMeans()[l], b.differenceOfMeans()[l], "layer " + l);
            // while the latents are read where asked
            assertFalse(Arrays.equals(a.scores().meanP(), b.scores().meanP()));
        }
    }

    static List<float[]> captureAll(EngineSession lm, int[] ids, int layer) {
        List<float[]> rows = new ArrayList<>();
        Model m = lm.model();
        Hooks h = Hooks.builder().capture(HookPoint.residPost(layer), Positions.all(), (s, pos, x) -> rows.add(x.clone())).build();
        m.forward(List.of(new Model.Input(m.newSequence(ids.length), ids, h)), false);
        return rows;
    }

    @Test
    void parsesEveryReadPosition() {
        for (ReadPosition rp : ReadPosition.values()) assertEquals(rp, ReadPosition.parse(rp.id()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReadPosition.parse("middle"));
        assertTrue(e.getMessage().contains("last, instruction-mean or prompt-mean"), e.getMessage());
    }
}
