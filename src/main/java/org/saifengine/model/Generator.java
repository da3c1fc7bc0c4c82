package org.saifengine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Generates continuations for several prompts in one batch: prompts are prefilled in chunks, then every decode
 * step runs all unfinished sequences in one forward call. Each request has its own sampling settings, stop
 * conditions, hooks (e.g. steering) and per-token listener (streaming).
 *
 * <pre>{@code
 * Generator gen = new Generator(model, tokenizer::decode);
 * var req = Generator.Request.of(promptIds, SamplingParams.greedy(), 64)
 *         .withStopIds(tokenizer.eosIds())
 *         .withListener((seq, id) -> System.out.print(decoder.push(id)));
 * Generator.Result r = gen.generate(List.of(req)).get(0);
 * }</pre>
 */
public final class Generator {
    /** Called once per generated token, in order, on the generating thread. */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int sequence, int tokenId);
    }

    public enum StopReason { EOS, STOP_STRING, MAX_TOKENS }

    /**
     * @param promptIds   tokens fed to the model (BOS included if wanted)
     * @param sampling    how to pick tokens
     * @param maxNewTokens upper bound on generated tokens
     * @param stopIds     ids that end generation (kept as the last generated id)
     * @param stopStrings texts that end generation once the decoded continuation contains one (needs a detokenizer)
     * @param hooks       captures/interventions for every forward call of this sequence, or null
     * @param listener    per-token callback, or null
     */
    public record Request(int[] promptIds, SamplingParams sampling, int maxNewTokens, Set<Integer> stopIds,
                          List<String> stopStrings, Hooks hooks, TokenListener listener) {
        public Request {
            if (promptIds == null || promptIds.length == 0) throw new IllegalArgumentException("the prompt is empty");
            if (maxNewTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxNewTokens);
            stopIds = stopIds == null ? Set.of() : Set.copyOf(stopIds);
            stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        }

        public static Request of(int[] promptIds, SamplingParams sampling, int maxNewTokens) {
            return new Request(promptIds, sampling, maxNewTokens, Set.of(), List.of(), null, null);
        }

        public Request withStopIds(Set<Integer> ids) {
            return new Request(promptIds, sampling, maxNewTokens, ids, stopStrings, hooks, listener);
        }

        public Request withStopStrings(List<String> s) {
            return new Request(promptIds, sampling, maxNewTokens, stopIds, s, hooks, listener);
        }

        public Request withHooks(Hooks h) {
            return new Request(promptIds, sampling, maxNewTokens, stopIds, stopStrings, h, listener);
        }

        public Request withListener(TokenListener l) {
            return new Request(promptIds, sampling, maxNewTokens, stopIds, stopStrings, hooks, l);
        }
    }

    /** Timings are for the whole batch (prefill: until every prompt is in the cache). */
    public record Result(int[] promptIds, int[] generatedIds, StopReason stopReason, long prefillNanos, long decodeNanos) {}

    private final Model model;
    private final Function<int[], String> detokenizer;
    private final int prefillChunk;

    /** @param detokenizer ids to text, used for stop strings; may be null when no request has stop strings */
    public Generator(Model model, Function<int[], String> detokenizer) {
        this(model, detokenizer, 256);
    }

    public Generator(Model model, Function<int[], String> detokenizer, int prefillChunk) {
        if (prefillChunk <= 0) throw new IllegalArgumentException("prefill chunk must be positive");
        this.model = model;
        this.detokenizer = detokenizer;
        this.prefillChunk = prefillChunk;
    }

    private static final class State {
        final Request req;
        final Sequence seq;
        final Sampler sampler;
        final List<Integer> out = new ArrayList<>();
        int prefilled = 0;
        float[] logits;
        StopReason stop;

        State(Request req, Sequence seq) {
            this.req = req;
            this.seq = seq;
            this.sampler = new Sampler(req.sampling());
        }
    }

    public List<Result> generate(List<Request> requests) {
        int ctx = model.config().maxPositions();
        List<State> states = new ArrayList<>();
        for (Request r : requests) {
            if (r.promptIds().length >= ctx) {
                throw new IllegalArgumentException("the prompt has " + r.promptIds().length + " tokens but the model's context is "
                        + ctx + " positions");
            }
            if (!r.stopStrings().isEmpty() && detokenizer == null) {
                throw new IllegalArgumentException("stop strings need a tokenizer to decode the output");
            }
            int cap = (int) Math.min(ctx, (long) r.promptIds().length + Math.max(1, r.maxNewTokens()));
            states.add(new State(r, model.newSequence(cap)));
        }
        int vocab = model.config().vocabSize();

        long t0 = System.nanoTime();
        while (true) {
            List<Model.Input> inputs = new ArrayList<>();
            List<State> fed = new ArrayList<>();
            for (State s : states) {
                int left = s.req.promptIds().length - s.prefilled;
                if (left == 0) continue;
                int n = Math.min(left, prefillChunk);
                int[] chunk = java.util.Arrays.copyOfRange(s.req.promptIds(), s.prefilled, s.prefilled + n);
                s.prefilled += n;
                inputs.add(new Model.Input(s.seq, chunk, s.req.hooks()));
                fed.add(s);
            }
            if (inputs.isEmpty()) break;
            float[][] logits = model.forward(inputs, false);
            for (int i = 0; i < fed.size(); i++) fed.get(i).logits = logits[i];
        }
        long t1 = System.nanoTime();

        for (State s : states) if (s.req.maxNewTokens() == 0) s.stop = StopReason.MAX_TOKENS;
        while (true) {
            List<Model.Input> inputs = new ArrayList<>();
            List<State> fed = new ArrayList<>();
            for (int i = 0; i < states.size(); i++) {
                State s = states.get(i);
                if (s.stop != null) continue;
                int tok = s.sampler.sample(s.logits, 0, vocab);
                s.out.add(tok);
                if (s.req.listener() != null) s.req.listener().onToken(i, tok);
                if (s.req.stopIds().contains(tok)) s.stop = StopReason.EOS;
                else if (hitsStopString(s)) s.stop = StopReason.STOP_STRING;
                else if (s.out.size() >= s.req.maxNewTokens() || s.seq.length() >= s.seq.capacity()) s.stop = StopReason.MAX_TOKENS;
                if (s.stop == null) {
                    inputs.add(new Model.Input(s.seq, new int[]{tok}, s.req.hooks()));
                    fed.add(s);
                }
            }
            if (inputs.isEmpty()) break;
            float[][] logits = model.forward(inputs, false);
            for (int i = 0; i < fed.size(); i++) fed.get(i).logits = logits[i];
        }
        long t2 = System.nanoTime();

        List<Result> results = new ArrayList<>();
        for (State s : states) {
            int[] ids = s.out.stream().mapToInt(Integer::intValue).toArray();
            results.add(new Result(s.req.promptIds().clone(), ids, s.stop, t1 - t0, t2 - t1));
        }
        return results;
    }

    private boolean hitsStopString(State s) {
        if (s.req.stopStrings().isEmpty()) return false;
        String text = detokenizer.apply(s.out.stream().mapToInt(Integer::intValue).toArray());
        for (String stop : s.req.stopStrings()) if (text.contains(stop)) return true;
        return false;
    }
}
