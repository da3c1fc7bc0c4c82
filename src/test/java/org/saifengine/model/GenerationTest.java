package org.saifengine.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batching, chunked prefill and sampling on stories260K. */
class GenerationTest {
    static Model model;
    static final int[] A = {1, 403, 407, 261, 378}, B = {1, 394, 267, 409, 432}, C = {1, 365};

    @BeforeAll
    static void load() throws Exception {
        model = Model.open(SharedData.stories260K(), LoadOptions.defaults());
    }

    @AfterAll
    static void close() throws Exception {
        model.close();
    }

    static int[] generate(int[] prompt, SamplingParams p, int n) {
        return new Generator(model, null).generate(List.of(Generator.Request.of(prompt, p, n))).get(0).generatedIds();
    }

    @Test
    void aBatchGivesWhatEachSequenceGivesAlone() {
        SamplingParams sampled = new SamplingParams(0.9f, 40, 0.95f, 11);
        List<Generator.Request> reqs = List.of(
                Generator.Request.of(A, SamplingParams.greedy(), 30),
                Generator.Request.of(B, sampled, 20),
                Generator.Request.of(C, SamplingParams.greedy(), 25));
        List<List<Integer>> streamed = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<Generator.Request> withListeners = new ArrayList<>();
        for (Generator.Request r : reqs) withListeners.add(r.withListener((seq, id) -> streamed.get(seq).add(id)));
        var batch = new Generator(model, null, 2).generate(withListeners); // prefill in chunks of 2
        for (int i = 0; i < reqs.size(); i++) {
            Generator.Request r = reqs.get(i);
            int[] alone = generate(r.promptIds(), r.sampling(), r.maxNewTokens());
            assertArrayEquals(alone, batch.get(i).generatedIds(), "sequence " + i);
            assertArrayEquals(alone, streamed.get(i).stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void requestsJoiningARunningBatchGetTheirOwnResults() {
        GenerationBatch batch = new GenerationBatch(model, null, 3);
        long a = batch.add(Generator.Request.of(A, SamplingParams.greedy(), 20));
        java.util.Map<Long, int[]> done = new java.util.HashMap<>();
        for (int i = 0; i < 5; i++) batch.step().forEach(f -> done.put(f.id(), f.result().generatedIds()));
        long c = batch.add(Generator.Request.of(C, SamplingParams.greedy(), 12));
        long cancelled = batch.add(Generator.Request.of(B, SamplingParams.greedy(), 50));
        batch.step();
        batch.cancel(cancelled);
        while (!batch.isEmpty()) batch.step().forEach(f -> done.put(f.id(), f.result().generatedIds()));
        assertArrayEquals(generate(A, SamplingParams.greedy(), 20), done.get(a));
        assertArrayEquals(generate(C, SamplingParams.greedy(), 12), done.get(c));
        assertEquals(2, done.size());
    }

    @Test
    void chunkedPrefillGivesTheSameLogits() {
        int[] ids = {1, 403, 407, 261, 378, 432, 383, 286, 261};
        float[] oneShot = model.forward(List.of(new Model.Input(model.newSequence(16), ids)), true)[0];
        Sequence s = model.newSequence(16);
        float[] a = model.forward(List.of(new Model.Input(s, Arrays.copyOfRange(ids, 0, 4))), true)[0];
        float[] b = model.forward(List.of(new Model.Input(s, Arrays.copyOfRange(ids, 4, ids.length))), true)[0];
        float[] chunked = new float[oneShot.length];
        System.arraycopy(a, 0, chunked, 0, a.length);
        System.arraycopy(b, 0, chunked, a.length, b.length);
        for (int i = 0; i < oneShot.length; i++) assertEquals(oneShot[i], chunked[i], 1e-5f);
        assertEquals(ids.length, s.length());
    }

    @Test
    void sameSeedSameTokensAndDifferentSeedsDiffer() {
        SamplingParams p = new SamplingParams(1.0f, 0, 1f, 42);
        int[] first = generate(A, p, 40);
        assertArrayEquals(first, generate(A, p, 40));
        assertNotEquals(Arrays.toString(first), Arrays.toString(generate(A, new SamplingParams(1.0f, 0, 1f, 43), 40)));
    }

    @Test
    void topKOneAndTinyTopPAreGreedy() {
        int[] greedy = generate(A, SamplingParams.greedy(), 30);
        assertArrayEquals(greedy, generate(A, new SamplingParams(1.5f, 1, 1f, 5), 30));
        assertArrayEquals(greedy, generate(A, new SamplingParams(1.5f, 0, 1e-6f, 5), 30));
    }

    @Test
    void samplerFollowsTheDistribution() {
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        Sampler s = new Sampler(new SamplingParams(1f, 0, 1f, 1));
        int[] counts = new int[3];
        for (int i = 0; i < 20000; i++) counts[s.sample(logits, 0, 3)]++;
        assertEquals(0.5, counts[0] / 20000.0, 0.02);
        assertEquals(0.3, counts[1] / 20000.0, 0.02);
        // top-p 0.6 keeps {0.5, 0.3} renormalised; top-k 1 keeps the argmax.
        Sampler p = new Sampler(new SamplingParams(1f, 0, 0.6f, 1));
        int[] pc = new int[3];
        for (int i = 0; i < 20000; i++) pc[p.sample(logits, 0, 3)]++;
        assertEquals(0, pc[2]);
        assertEquals(0.625, pc[0] / 20000.0, 0.02);
        // top-k 2 then top-p 0.7 over the renormalised pair {0.625, 0.375}: keeps both; top-p 0.6 keeps only the first.
        float[] five = {(float) Math.log(0.4), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.1), (float) Math.log(0.05)};
        int[] kc = new int[5];
        Sampler kp = new Sampler(new SamplingParams(1f, 2, 0.7f, 3));
        for (int i = 0; i < 20000; i++) kc[kp.sample(five, 0, 5)]++;
        assertEquals(0, kc[2] + kc[3] + kc[4]);
        assertEquals(0.4 / 0.7, kc[0] / 20000.0, 0.02);
        Sampler k1 = new Sampler(new SamplingParams(1f, 2, 0.55f, 3));
        for (int i = 0; i < 100; i++) assertEquals(0, k1.sample(five, 0, 5));
        // A long tail of tiny probabilities: top-p must still find its set (threshold lowered until the mass is in).
        float[] flat = new float[50000];
        java.util.Arrays.fill(flat, 0f);
        flat[7] = 12f;
        Sampler tail = new Sampler(new SamplingParams(1f, 0, 0.999f, 9));
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 300; i++) seen.add(tail.sample(flat, 0, flat.length));
        assertTrue(seen.size() > 30, "the tail (about 23% of the mass) must be reachable, saw " + seen.size());
    }

    @Test
    void stopsOnEosAndStopStrings() {
        int[] greedy = generate(A, SamplingParams.greedy(), 30);
        var r = new Generator(model, null).generate(List.of(Generator.Request.of(A, SamplingParams.greedy(), 30)
                .withStopIds(Set.of(greedy[5])))).get(0);
        assertEquals(Generator.StopReason.EOS, r.stopReason());
        assertArrayEquals(Arrays.copyOf(greedy, 6), r.generatedIds());
        // A fake detokenizer: ids as text; stop once "261" appears.
        var s = new Generator(model, ids -> Arrays.toString(ids)).generate(List.of(Generator.Request.of(A, SamplingParams.greedy(), 30)
                .withStopStrings(List.of(String.valueOf(greedy[3]))))).get(0);
        assertEquals(Generator.StopReason.STOP_STRING, s.stopReason());
        assertEquals(Arrays.asList(Arrays.stream(greedy).boxed().toArray()).indexOf(greedy[3]) + 1, s.generatedIds().length);
    }

    @Test
    void badRequestsAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-1f, 0, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, -2, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1f, 0, 0f, 0));
        int[] tooLong = new int[model.config().maxPositions()];
        var e = assertThrows(IllegalArgumentException.class, () -> generate(tooLong, SamplingParams.greedy(), 1));
        assertEquals("the prompt has 512 tokens but the model's context is 512 positions", e.getMessage());
        Sequence s = model.newSequence(3);
        assertThrows(IllegalArgumentException.class, () -> model.forward(List.of(new Model.Input(s, new int[]{1, 2, 3, 4})), false));
    }
}
