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
    /** Called once per generated token, in order, on the generating thread; sequence is the request's index in
     *  {@link #generate}'s list (or the id {@link GenerationBatch#add} returned). */
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

    /** prefillNanos: from the request's arrival until its prompt is in the cache; decodeNanos: from then on. */
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

    /** Runs all requests to completion in one batch; results in request order. */
    public List<Result> generate(List<Request> requests) {
        requireMemory(requests);
        GenerationBatch batch = new GenerationBatch(model, detokenizer, prefillChunk);
        List<Long> ids = new ArrayList<>();
        for (Request r : requests) ids.add(batch.add(r));
        java.util.Map<Long, Result> done = new java.util.HashMap<>();
        while (!batch.isEmpty()) {
            for (GenerationBatch.Finished f : batch.step()) done.put(f.id(), f.result());
        }
        List<Result> results = new ArrayList<>();
        for (long id : ids) results.add(done.get(id));
        return results;
    }

    /** Refuses a batch whose KV caches and workspace would not fit in the model's memory budget, before any is made. */
    private void requireMemory(List<Request> requests) {
        long positions = 0, promptTokens = 0;
        int ctx = model.config().maxPositions();
        for (Request r : requests) {
            positions += Math.min(ctx, (long) r.promptIds().length + Math.max(1, r.maxNewTokens()));
            promptTokens += r.promptIds().length;
        }
        long rows = Math.min(promptTokens, (long) prefillChunk * requests.size()) + requests.size();
        model.requireKvCache("generating " + requests.size() + (requests.size() == 1 ? " sequence" : " sequences"), positions,
                rows, requests.size());
    }
}
