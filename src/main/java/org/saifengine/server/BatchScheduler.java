package org.saifengine.server;

import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.Sampler;
import org.saifengine.model.SamplingParams;
import org.saifengine.model.Sequence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching: one thread owns the model and runs a step loop in which every running sequence advances
 * together in one {@link Model#forward} call. Between steps, finished or cancelled sequences leave and waiting ones
 * join, so a new request never waits for the whole batch to end. Each sequence carries its own {@link Hooks}
 * (per-request steering is a per-row add inside the shared forward pass). Long prompts are prefilled in chunks (at
 * most {@code prefillChunk} prompt tokens per step across all sequences) so decoding sequences keep moving.
 *
 * <p>Admission control: a request reserves KV-cache positions (prompt + max tokens) when submitted; if the
 * reservation would exceed the budget, or too many requests wait, {@link #submit} throws {@link Overloaded}.
 */
public final class BatchScheduler implements AutoCloseable {
    /**
     * @param maxBatch       most sequences in one step
     * @param kvBudgetTokens most KV-cache positions reserved by all admitted requests together
     * @param prefillChunk   most prompt tokens prefilled per step (all sequences together)
     * @param maxWaiting     most admitted requests waiting for a batch slot
     */
    public record Limits(int maxBatch, long kvBudgetTokens, int prefillChunk, int maxWaiting) {
        public Limits {
            if (maxBatch <= 0 || kvBudgetTokens <= 0 || prefillChunk <= 0 || maxWaiting < 0) {
                throw new IllegalArgumentException("scheduler limits must be positive: " + maxBatch + ", " + kvBudgetTokens
                        + ", " + prefillChunk + ", " + maxWaiting);
            }
        }
    }

    public enum Finish { STOP, LENGTH, CANCELLED, TIMEOUT, ERROR }

    /** Receives a job's output on the scheduler thread; must be quick and must not block. */
    public interface Sink {
        /**
         * A generated token (step 0 is the first).
         *
         * @return false to end the job now with {@link Finish#STOP} (e.g. a stop string was seen)
         */
        boolean onToken(int tokenId, int step);

        /** Called exactly once, last. error is set for {@link Finish#ERROR}. */
        void onFinish(Finish reason, Exception error);
    }

    /**
     * What to run.
     *
     * @param hooks         this sequence's hooks for every forward call (steering, monitor captures), or null
     * @param deadlineNanos System.nanoTime() after which the job ends with {@link Finish#TIMEOUT}; 0 = none
     */
    public record JobSpec(int[] promptIds, SamplingParams sampling, int maxTokens, Set<Integer> stopIds, Hooks hooks,
                          long deadlineNanos) {
        public JobSpec {
            if (promptIds == null || promptIds.length == 0) throw new IllegalArgumentException("the prompt is empty");
            if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
            promptIds = promptIds.clone();
            stopIds = stopIds == null ? Set.of() : Set.copyOf(stopIds);
            if (hooks != null && hooks.isEmpty()) hooks = null;
        }
    }

    /** Thrown when admitting a request would exceed the KV budget or the waiting queue (HTTP 429). */
    public static final class Overloaded extends Exception {
        public Overloaded(String message) {
            super(message);
        }
    }

    /** A submitted request. */
    public static final class Job {
        final JobSpec spec;
        final Sink sink;
        final long reserved;
        volatile boolean cancelled;
        boolean started;
        Sequence seq;
        Sampler sampler;
        int prefilled;
        int generated;
        int pending = -1; // the last sampled token, fed in the next step
        float[] logits;

        Job(JobSpec spec, Sink sink, long reserved) {
            this.spec = spec;
            this.sink = sink;
            this.reserved = reserved;
        }

        /** Asks the scheduler to drop this job before its next step (e.g. the client disconnected). */
        public void cancel() { cancelled = true; }
    }

    /** A snapshot for /metrics and /health. */
    public record Stats(int running, int waiting, long kvReservedTokens, long kvBudgetTokens, long steps, long rowsStepped,
                        long promptTokens, long generatedTokens, long rejected) {}

    private final Model model;
    private final Limits limits;
    private final int context;
    private final LinkedBlockingQueue<Job> incoming = new LinkedBlockingQueue<>();
    private final List<Job> waiting = new ArrayList<>();
    private final List<Job> running = new ArrayList<>();
    private final Thread thread;
    private final Object budgetLock = new Object();
    private long reserved;
    private int queued; // submitted but not yet running
    private volatile boolean closed;
    private volatile int runningCount;
    private final AtomicLong steps = new AtomicLong(), rows = new AtomicLong(), promptTokens = new AtomicLong(),
            generatedTokens = new AtomicLong(), rejected = new AtomicLong();

    public BatchScheduler(Model model, Limits limits) {
        this.model = model;
        this.limits = limits;
        this.context = model.config().maxPositions();
        this.thread = Thread.ofPlatform().name("batch-scheduler").daemon(true).start(this::loop);
    }

    public Limits limits() { return limits; }

    /** KV positions a request needs: its prompt plus its token budget, capped at the context. */
    public long positionsNeeded(JobSpec spec) {
        return Math.min(context, (long) spec.promptIds().length + Math.max(1, spec.maxTokens()));
    }

    /**
     * Admits a request or refuses it.
     *
     * @throws IllegalArgumentException the request can never run (prompt over the context, or larger than the budget)
     * @throws Overloaded               the server is full right now; retry later
     */
    public Job submit(JobSpec spec, Sink sink) throws Overloaded {
        if (closed) throw new IllegalStateException("the scheduler is shut down");
        if (spec.promptIds().length >= context) {
            throw new IllegalArgumentException("the prompt has " + spec.promptIds().length + " tokens but the model's context is "
                    + context + " positions (the prompt must leave room for one generated token)");
        }
        for (int id : spec.promptIds()) {
            if (id < 0 || id >= model.config().vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + model.config().vocabSize() + ")");
            }
        }
        long need = positionsNeeded(spec);
        if (need > limits.kvBudgetTokens()) {
            throw new IllegalArgumentException("the request needs " + need + " KV-cache positions (prompt + max_tokens) but the "
                    + "server's whole budget is " + limits.kvBudgetTokens());
        }
        Job job = new Job(spec, sink, need);
        synchronized (budgetLock) {
            if (queued >= limits.maxWaiting() + Math.max(0, limits.maxBatch() - runningCount)) {
                rejected.incrementAndGet();
                throw new Overloaded("server is busy: " + queued + " requests are already waiting for a batch slot; retry later");
            }
            if (reserved + need > limits.kvBudgetTokens()) {
                rejected.incrementAndGet();
                throw new Overloaded("KV-cache budget is full: " + reserved + " of " + limits.kvBudgetTokens()
                        + " positions are reserved and this request needs " + need + "; retry later or ask for fewer max_tokens");
            }
            reserved += need;
            queued++;
        }
        incoming.add(job);
        return job;
    }

    public Stats stats() {
        synchronized (budgetLock) {
            return new Stats(runningCount, Math.max(0, queued), reserved, limits.kvBudgetTokens(), steps.get(), rows.get(),
                    promptTokens.get(), generatedTokens.get(), rejected.get());
        }
    }

    private void loop() {
        while (!closed) {
            try {
                if (running.isEmpty() && waiting.isEmpty()) {
                    Job j = incoming.poll(200, TimeUnit.MILLISECONDS);
                    if (j != null) waiting.add(j);
                }
                incoming.drainTo(waiting);
                dropCancelled(waiting);
                dropCancelled(running);
                while (running.size() < limits.maxBatch() && !waiting.isEmpty()) start(waiting.removeFirst());
                runningCount = running.size();
                if (!running.isEmpty()) step();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                // A failure outside one forward call: end every job rather than leave clients hanging.
                for (Job j : List.copyOf(running)) finish(j, Finish.ERROR, asException(e));
                running.clear();
            }
        }
        List<Job> rest = new ArrayList<>(running);
        rest.addAll(waiting);
        incoming.drainTo(rest);
        for (Job j : rest) finish(j, Finish.CANCELLED, null);
    }

    private static Exception asException(Throwable t) {
        return t instanceof Exception e ? e : new RuntimeException(t.toString(), t);
    }

    private void dropCancelled(List<Job> jobs) {
        long now = System.nanoTime();
        for (Iterator<Job> it = jobs.iterator(); it.hasNext(); ) {
            Job j = it.next();
            if (j.cancelled) {
                it.remove();
                finish(j, Finish.CANCELLED, null);
            } else if (j.spec.deadlineNanos() != 0 && now - j.spec.deadlineNanos() > 0) {
                it.remove();
                finish(j, Finish.TIMEOUT, null);
            }
        }
    }

    private void start(Job j) {
        synchronized (budgetLock) {
            queued--;
        }
        j.started = true;
        try {
            j.seq = model.newSequence((int) j.reserved);
            j.sampler = new Sampler(j.spec.sampling());
            running.add(j);
        } catch (RuntimeException | OutOfMemoryError e) {
            finish(j, Finish.ERROR, asException(e));
        }
    }

    /** One forward call over every running sequence: a prompt chunk for those still prefilling, one token for the rest. */
    private void step() {
        List<Model.Input> inputs = new ArrayList<>(running.size());
        List<Job> fed = new ArrayList<>(running.size());
        int prefillLeft = limits.prefillChunk();
        for (Job j : running) {
            int[] prompt = j.spec.promptIds();
            if (j.prefilled < prompt.length) {
                int n = Math.min(prompt.length - j.prefilled, prefillLeft);
                if (n == 0) continue;
                prefillLeft -= n;
                inputs.add(new Model.Input(j.seq, Arrays.copyOfRange(prompt, j.prefilled, j.prefilled + n), j.spec.hooks()));
                j.prefilled += n;
            } else {
                inputs.add(new Model.Input(j.seq, new int[]{j.pending}, j.spec.hooks()));
            }
            fed.add(j);
        }
        if (inputs.isEmpty()) return;
        float[][] logits;
        try {
            logits = model.forward(inputs, false);
        } catch (RuntimeException e) {
            for (Job j : fed) {
                running.remove(j);
                finish(j, Finish.ERROR, e);
            }
            return;
        }
        steps.incrementAndGet();
        rows.addAndGet(inputs.size());
        int vocab = model.config().vocabSize();
        for (int i = 0; i < fed.size(); i++) {
            Job j = fed.get(i);
            if (j.prefilled < j.spec.promptIds().length) continue; // more prompt to go
            if (j.generated == 0 && j.pending < 0) promptTokens.addAndGet(j.spec.promptIds().length);
            if (j.spec.maxTokens() == 0) {
                running.remove(j);
                finish(j, Finish.LENGTH, null);
                continue;
            }
            int tok = j.sampler.sample(logits[i], 0, vocab);
            int stepIndex = j.generated++;
            j.pending = tok;
            generatedTokens.incrementAndGet();
            boolean more;
            try {
                more = j.sink.onToken(tok, stepIndex);
            } catch (RuntimeException e) {
                running.remove(j);
                finish(j, Finish.ERROR, e);
                continue;
            }
            Finish end = null;
            if (!more || j.spec.stopIds().contains(tok)) end = Finish.STOP;
            else if (j.generated >= j.spec.maxTokens() || j.seq.length() >= j.seq.capacity()) end = Finish.LENGTH;
            if (end != null) {
                running.remove(j);
                finish(j, end, null);
            }
        }
        runningCount = running.size();
    }

    private void finish(Job j, Finish reason, Exception error) {
        synchronized (budgetLock) {
            reserved -= j.reserved;
            if (!j.started) queued--;
        }
        j.seq = null; // let the KV cache go
        try {
            j.sink.onFinish(reason, error);
        } catch (RuntimeException ignored) {
            // a sink failing at the end must not stop the loop
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join(10_000);
    }
}
