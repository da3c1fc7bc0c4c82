package org.saifengine.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.api.Completion;
import org.saifengine.api.Engine;
import org.saifengine.api.GenerateOptions;
import org.saifengine.api.SteeringHooks;
import org.saifengine.model.SamplingParams;
import org.saifengine.steer.Positions;
import org.saifengine.steer.SteeringPlan;
import org.saifengine.steer.StrengthSchedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The continuous-batching scheduler against the plain one-request {@link org.saifengine.model.Generator} path (via
 * {@link Engine#generate}): sequences that join and leave a shared batch, each with its own steering, prefilled in
 * small chunks, must produce exactly the tokens they produce alone. Plus admission control and cancellation.
 */
class BatchSchedulerTest {
    static Engine engine;

    @BeforeAll
    static void load() throws Exception {
        engine = Engine.load(SharedData.stories260K().toString());
    }

    @AfterAll
    static void close() throws Exception {
        if (engine != null) engine.close();
    }

    /** Collects one job's tokens and its end. */
    static class Collect implements BatchScheduler.Sink {
        final List<Integer> tokens = new ArrayList<>();
        final CompletableFuture<BatchScheduler.Finish> done = new CompletableFuture<>();
        volatile int stopAfter = Integer.MAX_VALUE;

        @Override
        public boolean onToken(int tokenId, int step) {
            tokens.add(tokenId);
            return tokens.size() < stopAfter;
        }

        @Override
        public void onFinish(BatchScheduler.Finish reason, Exception error) {
            if (error != null) done.completeExceptionally(error);
            else done.complete(reason);
        }

        int[] ids() { return tokens.stream().mapToInt(Integer::intValue).toArray(); }
    }

    static SteeringPlan plan(int i) {
        if (i % 4 == 0) return null;
        float[] v = new float[engine.config().hiddenSize()];
        SplittableRandom r = new SplittableRandom(i);
        for (int k = 0; k < v.length; k++) v[k] = (float) r.nextGaussian();
        Positions pos = Positions.values()[i % Positions.values().length];
        StrengthSchedule s = i % 3 == 0 ? StrengthSchedule.CONSTANT : new StrengthSchedule(0, 2 + i % 5, 4);
        return new SteeringPlan(v, "blocks." + (i % engine.config().layers()) + ".hook_resid_post", pos, i % 3, s, i % 5 == 0);
    }

    static int[] prompt(int i) {
        String[] texts = {"Once upon a time", "Lily and Tom went to the park. They saw a big dog",
                "The sun was", "One day, a little bird wanted to fly high in the sky. It"};
        return engine.encode(texts[i % texts.length]);
    }

    @Test
    void batchedSteeredSequencesMatchRunningAlone() throws Exception {
        int n = 12;
        // Small batch and prefill chunk: requests wait, join mid-flight and prefill over several steps.
        var limits = new BatchScheduler.Limits(5, 100_000, 7, 100);
        List<Collect> sinks = new ArrayList<>();
        try (BatchScheduler s = new BatchScheduler(engine.model(), limits)) {
            for (int i = 0; i < n; i++) {
                int[] p = prompt(i);
                int max = 8 + 3 * (i % 5);
                Collect c = new Collect();
                s.submit(new BatchScheduler.JobSpec(p, SamplingParams.greedy(), max, engine.stopIds(),
                        SteeringHooks.of(plan(i), p.length), 0), c);
                sinks.add(c);
                if (i % 3 == 2) Thread.sleep(5); // stagger arrivals
            }
            for (Collect c : sinks) c.done.get(60, TimeUnit.SECONDS);
            assertEquals(0, s.stats().kvReservedTokens(), "every reservation is released");
            assertTrue(s.stats().steps() > 0);
        }
        for (int i = 0; i < n; i++) {
            int[] p = prompt(i);
            Completion alone = engine.generate(p, GenerateOptions.greedy(8 + 3 * (i % 5)).withSteering(plan(i)));
            assertArrayEquals(alone.tokenIds(), sinks.get(i).ids(), "request " + i + " differs from running alone");
        }
        // Steering must change something, or the comparison above proves little.
        int[] p = prompt(1);
        assertFalse(Arrays.equals(engine.generate(p, GenerateOptions.greedy(12)).tokenIds(),
                engine.generate(p, GenerateOptions.greedy(12).withSteering(scaled(plan(1), 20))).tokenIds()));
    }

    static SteeringPlan scaled(SteeringPlan p, float f) {
        float[] v = p.vector().clone();
        for (int i = 0; i < v.length; i++) v[i] *= f;
        return new SteeringPlan(v, p.hookPoint(), Positions.ALL, 0, StrengthSchedule.CONSTANT, false);
    }

    @Test
    void admissionControlRefusesWhenTheKvBudgetIsFullAndRecovers() throws Exception {
        int[] p = prompt(0);
        var limits = new BatchScheduler.Limits(4, 2L * (p.length + 40), 256, 10);
        try (BatchScheduler s = new BatchScheduler(engine.model(), limits)) {
            var spec = new BatchScheduler.JobSpec(p, SamplingParams.greedy(), 40, engine.stopIds(), null, 0);
            CountDownLatch hold = new CountDownLatch(1);
            // The first job blocks the scheduler thread in its first token callback, so the budget stays reserved.
            BatchScheduler.Sink blocking = new Collect() {
                @Override
                public boolean onToken(int tokenId, int step) {
                    try {
                        hold.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return super.onToken(tokenId, step);
                }
            };
            Collect a = (Collect) blocking, b = new Collect();
            s.submit(spec, a);
            s.submit(spec, b);
            var e = assertThrows(BatchScheduler.Overloaded.class, () -> s.submit(spec, new Collect()));
            assertTrue(e.getMessage().contains("KV-cache budget is full"), e.getMessage());
            var tooBig = new BatchScheduler.JobSpec(p, SamplingParams.greedy(), 400, engine.stopIds(), null, 0);
            assertThrows(IllegalArgumentException.class, () -> s.submit(tooBig, new Collect()));
            hold.countDown();
            a.done.get(30, TimeUnit.SECONDS);
            b.done.get(30, TimeUnit.SECONDS);
            Collect c = new Collect();
            s.submit(spec, c); // room again
            assertEquals(BatchScheduler.Finish.LENGTH, c.done.get(30, TimeUnit.SECONDS));
            assertEquals(40, c.tokens.size());
            assertEquals(1, s.stats().rejected());
        }
    }

    @Test
    void cancelledAndStoppedJobsLeaveTheBatchAndFreeTheirReservation() throws Exception {
        int[] p = prompt(2);
        try (BatchScheduler s = new BatchScheduler(engine.model(), new BatchScheduler.Limits(8, 10_000, 256, 10))) {
            Collect stopping = new Collect();
            stopping.stopAfter = 3;
            Collect slow = new Collect() {
                @Override
                public boolean onToken(int tokenId, int step) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return super.onToken(tokenId, step);
                }
            };
            var spec = new BatchScheduler.JobSpec(p, SamplingParams.greedy(), 300, Set.of(), null, 0);
            BatchScheduler.Job job = s.submit(spec, slow);
            s.submit(spec, stopping);
            assertEquals(BatchScheduler.Finish.STOP, stopping.done.get(30, TimeUnit.SECONDS));
            assertEquals(3, stopping.tokens.size());
            Thread.sleep(100);
            job.cancel();
            assertEquals(BatchScheduler.Finish.CANCELLED, slow.done.get(30, TimeUnit.SECONDS));
            assertTrue(slow.tokens.size() < 300);
            assertEquals(0, s.stats().kvReservedTokens());
            assertEquals(0, s.stats().running());
        }
    }

    @Test
    void aDeadlineEndsAJobWithTimeout() throws Exception {
        int[] p = prompt(3);
        try (BatchScheduler s = new BatchScheduler(engine.model(), new BatchScheduler.Limits(8, 10_000, 256, 10))) {
            Collect c = new Collect() {
                @Override
                public boolean onToken(int tokenId, int step) {
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return super.onToken(tokenId, step);
                }
            };
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(150);
            s.submit(new BatchScheduler.JobSpec(p, SamplingParams.greedy(), 400, Set.of(), null, deadline), c);
            assertEquals(BatchScheduler.Finish.TIMEOUT, c.done.get(30, TimeUnit.SECONDS));
        }
    }
}
