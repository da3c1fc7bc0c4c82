package org.saifengine.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The step function of generation, for continuous batching: requests can be added at any time, and every
 * {@link #step()} runs ONE forward call over all live sequences (a prefill chunk for those still reading their
 * prompt, one token for the others), samples, streams to listeners and returns the sequences that finished.
 * {@link Generator#generate} is this loop run until empty. Not thread-safe: drive it from one thread.
 *
 * <pre>{@code
 * GenerationBatch batch = new GenerationBatch(model, tokenizer::decode, 256);
 * long id = batch.add(request);               // any time, also between steps
 * while (!batch.isEmpty()) for (var done : batch.step()) reply(done.id(), done.result());
 * }</pre>
 */
public final class GenerationBatch {
    /** A finished request: the id {@link #add} returned and its result. */
    public record Finished(long id, Generator.Result result) {}

    private final Model model;
    private final Function<int[], String> detokenizer;
    private final int prefillChunk;
    private final Map<Long, Live> live = new LinkedHashMap<>();
    private long nextId = 0;

    private static final class Live {
        final long id;
        final Generator.Request req;
        final Sequence seq;
        final Sampler sampler;
        final List<Integer> out = new ArrayList<>();
        final long start = System.nanoTime();
        long prefillDone;
        int prefilled = 0;
        int pending = -1;
        Generator.StopReason stop;

        Live(long id, Generator.Request req, Sequence seq) {
            this.id = id;
            this.req = req;
            this.seq = seq;
            this.sampler = new Sampler(req.sampling());
        }
    }

    /** @param detokenizer ids to text, for stop strings (null if no request uses them) */
    public GenerationBatch(Model model, Function<int[], String> detokenizer, int prefillChunk) {
        if (prefillChunk <= 0) throw new IllegalArgumentException("prefill chunk must be positive");
        this.model = model;
        this.detokenizer = detokenizer;
        this.prefillChunk = prefillChunk;
    }

    /** Queues a request (its prompt is read from the next step on); returns its id. */
    public long add(Generator.Request r) {
        int ctx = model.config().maxPositions();
        if (r.promptIds().length >= ctx) {
            throw new IllegalArgumentException("the prompt has " + r.promptIds().length + " tokens but the model's context is "
                    + ctx + " positions");
        }
        if (!r.stopStrings().isEmpty() && detokenizer == null) {
            throw new IllegalArgumentException("stop strings need a tokenizer to decode the output");
        }
        int cap = (int) Math.min(ctx, (long) r.promptIds().length + Math.max(1, r.maxNewTokens()));
        long id = nextId++;
        live.put(id, new Live(id, r, model.newSequence(cap)));
        return id;
    }

    /** Drops a request without a result (e.g. the client went away). */
    public void cancel(long id) {
        live.remove(id);
    }

    public boolean isEmpty() { return live.isEmpty(); }

    public int size() { return live.size(); }

    /** One forward call over every live sequence; returns those that finished in this step. */
    public List<Finished> step() {
        List<Model.Input> inputs = new ArrayList<>();
        List<Live> fed = new ArrayList<>();
        for (Live s : live.values()) {
            int[] tokens;
            int left = s.req.promptIds().length - s.prefilled;
            if (left > 0) {
                int n = Math.min(left, prefillChunk);
                tokens = Arrays.copyOfRange(s.req.promptIds(), s.prefilled, s.prefilled + n);
                s.prefilled += n;
            } else {
                tokens = new int[]{s.pending};
            }
            inputs.add(new Model.Input(s.seq, tokens, s.req.hooks()));
            fed.add(s);
        }
        List<Finished> finished = new ArrayList<>();
        if (inputs.isEmpty()) return finished;
        float[][] logits = model.forward(inputs, false);
        int vocab = model.config().vocabSize();
        for (int i = 0; i < fed.size(); i++) {
            Live s = fed.get(i);
            if (s.prefilled < s.req.promptIds().length) continue; // still reading the prompt
            if (s.prefillDone == 0) {
                s.prefillDone = System.nanoTime();
                if (s.req.maxNewTokens() == 0) {
                    s.stop = Generator.StopReason.MAX_TOKENS;
                    continue;
                }
            }
            int tok = s.sampler.sample(logits[i], 0, vocab);
            s.out.add(tok);
            if (s.req.listener() != null) s.req.listener().onToken((int) s.id, tok);
            if (s.req.stopIds().contains(tok)) s.stop = Generator.StopReason.EOS;
            else if (hitsStopString(s)) s.stop = Generator.StopReason.STOP_STRING;
            else if (s.out.size() >= s.req.maxNewTokens() || s.seq.length() >= s.seq.capacity()) s.stop = Generator.StopReason.MAX_TOKENS;
            else s.pending = tok;
        }
        long now = System.nanoTime();
        for (Iterator<Live> it = live.values().iterator(); it.hasNext(); ) {
            Live s = it.next();
            if (s.stop == null) continue;
            it.remove();
            int[] ids = s.out.stream().mapToInt(Integer::intValue).toArray();
            finished.add(new Finished(s.id, new Generator.Result(s.req.promptIds().clone(), ids, s.stop,
                    s.prefillDone - s.start, now - s.prefillDone)));
        }
        return finished;
    }

    private boolean hitsStopString(Live s) {
        if (s.req.stopStrings().isEmpty()) return false;
        String text = detokenizer.apply(s.out.stream().mapToInt(Integer::intValue).toArray());
        for (String stop : s.req.stopStrings()) if (text.contains(stop)) return true;
        return false;
    }
}
