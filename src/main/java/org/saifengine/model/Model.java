package org.saifengine.model;

import org.saifengine.backend.AttentionParams;
import org.saifengine.backend.Backend;
import org.saifengine.backend.Buf;
import org.saifengine.io.ModelFiles;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Floats;
import org.saifengine.tensor.MemoryBudget;

import java.io.IOException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * A loaded decoder-only transformer and THE forward pass, written once against {@link Backend} ops. Llama,
 * Qwen2 and Gemma-2 differ only by {@link ModelConfig} flags. A forward call takes several sequences at once
 * (each with its own KV cache, positions and hooks), appends their tokens to their caches and returns logits.
 *
 * <p>Not thread-safe across calls on purpose: forward is synchronized and reuses one workspace, so the decode
 * loop allocates no activation memory per token.
 */
public final class Model implements AutoCloseable {
    /** One sequence's part of a forward call: new tokens for it and optional hooks (null = none). */
    public record Input(Sequence sequence, int[] tokens, Hooks hooks) {
        public Input(Sequence sequence, int[] tokens) {
            this(sequence, tokens, null);
        }
    }

    private final ModelConfig config;
    private final ModelWeights weights;
    private final Backend backend;
    private final AutoCloseable owned;
    private final float[] invFreq;
    private final float embedScale;
    private final AttentionParams[] attention;
    private final MemoryBudget budget;
    private final long weightBytes;
    private volatile boolean checkFinite = CHECK_FINITE_DEFAULT;

    /**
     * Whether forward passes check activations for NaN / infinity by default: the system property saif.checkFinite
     * (the test JVM sets it), else the environment variable SAIF_ENGINE_CHECK_FINITE; off otherwise.
     */
    public static final boolean CHECK_FINITE_DEFAULT = Boolean.parseBoolean(System.getProperty("saif.checkFinite",
            System.getenv().getOrDefault("SAIF_ENGINE_CHECK_FINITE", "false")));

    // Workspace, grown on demand (rows = tokens in one call).
    private int rowsCap = 0, logitRowsCap = 0;
    private Buf x, xn, q, k, v, att, proj, gate, up, logits;
    private final float[] hookRow;

    private Model(ModelConfig config, ModelWeights weights, Backend backend, AutoCloseable owned, MemoryBudget budget,
                  long weightBytes) {
        this.budget = budget;
        this.weightBytes = weightBytes;
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.owned = owned;
        this.invFreq = config.rope().inverseFrequencies(config.headDim());
        float scale = 1f;
        if (config.embeddingScale()) {
            // HF: torch.tensor(sqrt(d)) in f32, then cast to the embedding's dtype.
            scale = (float) Math.sqrt(config.hiddenSize());
            if (weights.embedding.dtype() == DType.BF16) scale = Floats.roundBf16(scale);
        }
        this.embedScale = scale;
        this.attention = new AttentionParams[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            attention[l] = new AttentionParams(config.heads(), config.kvHeads(), config.headDim(),
                    config.attentionScale(), config.slidingWindow(l), config.attnLogitSoftcap());
        }
        this.hookRow = new float[config.hiddenSize()];
    }

    /** Builds a model from files the caller keeps open while the model is used. */
    public static Model load(ModelFiles files, LoadOptions options) {
        ModelConfig config = ModelConfig.fromJson(files.config());
        MemoryBudget budget = options.budgetOrDetect();
        long bytes = requireWeights(files.id(), config, files.weights(), options, budget);
        ModelWeights weights = ModelWeights.bind(config, files.weights(), options.backend(), options.weightDType());
        return new Model(config, weights, options.backend(), null, budget, bytes);
    }

    /** Refuses a model whose weights (in the dtype they will be held in) do not fit in the budget; returns their bytes. */
    private static long requireWeights(String id, ModelConfig config, org.saifengine.io.Checkpoint ckpt, LoadOptions options,
                                       MemoryBudget budget) {
        long bytes = ModelWeights.heldBytes(config, ckpt, options.weightDType());
        String dtype = options.weightDType() == null ? "as stored" : options.weightDType().toString();
        // Weights already read into memory (a GGUF, checked before reading) are no longer in the memory available
        // now: checking them against it would count them twice. A fixed --memory-budget still counts them.
        if (ckpt.inMemory() && budget.detected()) return bytes;
        budget.require("loading model " + id, MemoryBudget.offHeap("weights (" + dtype + ")", bytes));
        return bytes;
    }

    /** Opens a Hugging Face model directory; closing the model closes the files. */
    public static Model open(Path dir, LoadOptions options) throws IOException {
        ModelFiles files = ModelFiles.fromDirectory(dir);
        try {
            ModelConfig config = ModelConfig.fromJson(files.config());
            MemoryBudget budget = options.budgetOrDetect();
            long bytes = requireWeights(files.id(), config, files.weights(), options, budget);
            ModelWeights weights = ModelWeights.bind(config, files.weights(), options.backend(), options.weightDType());
            return new Model(config, weights, options.backend(), files, budget, bytes);
        } catch (RuntimeException e) {
            files.close();
            throw e;
        }
    }

    public ModelConfig config() { return config; }

    public Backend backend() { return backend; }

    public ModelWeights weights() { return weights; }

    /**
     * Turns the non-finite check on or off: when on, every forward pass checks the residual stream after the
     * embedding and after each attention and MLP block, and the logits, and stops at the first NaN or infinity with an
     * ArithmeticException naming the hook point, position and token.
     */
    public void checkFinite(boolean on) { this.checkFinite = on; }

    public boolean checksFinite() { return checkFinite; }

    /** The memory budget the model was loaded under. */
    public MemoryBudget budget() { return budget; }

    /** Bytes of the bound weights, as counted against the budget at load. */
    public long weightBytes() { return weightBytes; }

    /** Bytes of KV cache per position of one sequence (keys and values of every layer, f32). */
    public long kvBytesPerPosition() {
        return 2L * config.layers() * config.kvDim() * Float.BYTES;
    }

    /** Bytes of the forward workspace for a call over this many token rows, with logits for logitRows of them. */
    public long activationBytes(long rows, long logitRows) {
        long perRow = 3L * config.hiddenSize() + 2L * config.qDim() + 2L * config.kvDim() + 2L * config.intermediateSize();
        return Math.addExact(Math.multiplyExact(rows, perRow * Float.BYTES),
                Math.multiplyExact(logitRows, (long) config.vocabSize() * Float.BYTES));
    }

    /**
     * KV-cache positions that fit in the budget beside the weights (fixed budget) or in the memory available now
     * (detected budget), with a forward workspace of {@code rows} rows; 90% of the room, so that the check passes.
     */
    public long kvPositionsThatFit(long rows, long logitRows) {
        long act = activationBytes(rows, logitRows);
        long room = budget.detected() ? MemoryBudget.detect().limitBytes() - act : budget.limitBytes() - weightBytes - act;
        if (backend.heapBuffers()) room = Math.min(room, Runtime.getRuntime().maxMemory()
                - (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) - act);
        return Math.max(0, room / 10 * 9 / kvBytesPerPosition());
    }

    /**
     * Refuses up front (IllegalStateException naming every size) KV caches of {@code positions} positions in all and
     * a forward workspace of {@code rows} rows ({@code logitRows} with logits) that would not fit beside the weights in the budget. With a fixed
     * budget the weights count too; with the detected default, the memory available now must hold the new items.
     */
    public void requireKvCache(String task, long positions, long rows, long logitRows) {
        long kv = Math.multiplyExact(positions, kvBytesPerPosition());
        long act = activationBytes(rows, logitRows);
        boolean heap = backend.heapBuffers();
        MemoryBudget.Item kvItem = new MemoryBudget.Item("KV cache (" + positions + " positions)", kv, heap);
        MemoryBudget.Item actItem = new MemoryBudget.Item("activations (" + rows + " rows)", act, heap);
        if (budget.detected()) {
            MemoryBudget.detect().require(task, kvItem, actItem);
        } else {
            budget.require(task, MemoryBudget.offHeap("weights", weightBytes), kvItem, actItem);
        }
    }

    /** A fresh sequence whose KV cache holds up to capacity positions (at most max_position_embeddings). */
    public Sequence newSequence(int capacity) {
        if (capacity <= 0 || capacity > config.maxPositions()) {
            throw new IllegalArgumentException("sequence capacity " + capacity + " is outside [1, " + config.maxPositions()
                    + "] (the model's max_position_embeddings)");
        }
        Buf[] keys = new Buf[config.layers()], values = new Buf[config.layers()];
        for (int l = 0; l < keys.length; l++) {
            keys[l] = backend.allocate((long) capacity * config.kvDim());
            values[l] = backend.allocate((long) capacity * config.kvDim());
        }
        return new Sequence(keys, values, capacity);
    }

    /**
     * Runs the model on new tokens of several sequences. Each sequence's tokens go to the positions after what its
     * cache already holds, and the cache is extended.
     *
     * @param allLogits true: logits for every new token ([tokens x vocab] per input); false: only for each input's
     *                  last token ([vocab] per input)
     * @return logits per input, row-major
     */
    public synchronized float[][] forward(List<Input> inputs, boolean allLogits) {
        return run(inputs, config.layers(), allLogits);
    }

    /**
     * Runs only what the inputs' hooks need: blocks 0 .. (highest hooked layer), no final norm, no logits. For
     * reading activations (SAE training, SAIF scoring) this skips the unembedding and every later block. The
     * sequences' caches then lack the skipped blocks, so they cannot be continued: a later forward on them fails.
     */
    public synchronized void capture(List<Input> inputs) {
        int last = -1;
        for (Input in : inputs) if (in.hooks() != null) last = Math.max(last, in.hooks().maxLayer());
        if (last < 0) throw new IllegalArgumentException("capture needs hooks on at least one input");
        run(inputs, last + 1, false);
        if (last + 1 < config.layers()) for (Input in : inputs) in.sequence().partial = true;
    }

    /** Blocks [0, layerLimit); logits only when layerLimit covers the whole model. */
    private float[][] run(List<Input> inputs, int layerLimit, boolean allLogits) {
        final int d = config.hiddenSize(), qDim = config.qDim(), kvDim = config.kvDim(), ff = config.intermediateSize();
        final int vocab = config.vocabSize();
        int rows = 0;
        boolean hooked = false;
        IdentityHashMap<Sequence, Boolean> seen = new IdentityHashMap<>();
        for (Input in : inputs) {
            if (in.tokens().length == 0) throw new IllegalArgumentException("a forward input has no tokens");
            if (seen.put(in.sequence(), true) != null) throw new IllegalArgumentException("a sequence appears twice in one forward call");
            Sequence s = in.sequence();
            if (s.partial) throw new IllegalArgumentException("this sequence was only run through capture() and cannot be continued");
            if (s.length() + in.tokens().length > s.capacity()) {
                throw new IllegalArgumentException("sequence would grow to " + (s.length() + in.tokens().length)
                        + " positions but its cache holds " + s.capacity());
            }
            if (in.hooks() != null && !in.hooks().isEmpty()) {
                if (in.hooks().maxLayer() >= config.layers()) {
                    throw new IllegalArgumentException("hook at layer " + in.hooks().maxLayer() + " but the model has layers 0.."
                            + (config.layers() - 1));
                }
                hooked = true;
            }
            rows += in.tokens().length;
        }
        int[] ids = new int[rows], positions = new int[rows], rowStart = new int[inputs.size()];
        Sequence[] rowSeq = new Sequence[rows];
        int r0 = 0;
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            rowStart[i] = r0;
            for (int t = 0; t < in.tokens().length; t++) {
                ids[r0] = in.tokens()[t];
                positions[r0] = in.sequence().length() + t;
                rowSeq[r0++] = in.sequence();
            }
        }
        ensureRows(rows);
        Buf[] keyRows = new Buf[rows], valueRows = new Buf[rows];

        backend.embed(weights.embedding, ids, embedScale, x);
        final boolean check = checkFinite;
        for (int l = 0; l < layerLimit; l++) {
            LayerWeights w = weights.layers[l];
            if (hooked) hook(inputs, rowStart, l, HookPoint.Kind.RESID_PRE, x);
            if (check && l == 0) requireFinite(x, rows, d, "blocks.0.hook_resid_pre", ids, positions, rowStart);

            // Attention: norm, projections, rotary, cache append, attend, output projection.
            backend.rmsNorm(x, w.inputNorm(), config.rmsNormEps(), config.normPlusOne(), rows, d, xn);
            backend.matmul(xn, rows, w.wq(), w.bq(), q);
            backend.matmul(xn, rows, w.wk(), w.bk(), k);
            backend.matmul(xn, rows, w.wv(), w.bv(), v);
            backend.rope(q, rows, config.heads(), config.headDim(), positions, invFreq, 1f, false);
            backend.rope(k, rows, config.kvHeads(), config.headDim(), positions, invFreq, 1f, false);
            for (int r = 0; r < rows; r++) {
                Sequence s = rowSeq[r];
                keyRows[r] = s.keys[l];
                valueRows[r] = s.values[l];
                backend.copy(k, (long) r * kvDim, s.keys[l], (long) positions[r] * kvDim, kvDim);
                backend.copy(v, (long) r * kvDim, s.values[l], (long) positions[r] * kvDim, kvDim);
            }
            backend.attention(q, rows, positions, keyRows, valueRows, attention[l], att);
            backend.matmul(att, rows, w.wo(), w.bo(), proj);
            if (w.postAttnNorm() != null) backend.rmsNorm(proj, w.postAttnNorm(), config.rmsNormEps(), config.normPlusOne(), rows, d, proj);
            if (hooked) hook(inputs, rowStart, l, HookPoint.Kind.ATTN_OUT, proj);
            backend.add(x, proj, rows * d);
            if (hooked) hook(inputs, rowStart, l, HookPoint.Kind.RESID_MID, x);
            if (check) requireFinite(x, rows, d, HookPoint.Kind.RESID_MID, l, ids, positions, rowStart);

            // Gated MLP.
            backend.rmsNorm(x, w.preMlpNorm(), config.rmsNormEps(), config.normPlusOne(), rows, d, xn);
            backend.matmul(xn, rows, w.gate(), w.bGate(), gate);
            backend.matmul(xn, rows, w.up(), w.bUp(), up);
            backend.gatedActivation(config.activation(), gate, up, rows * ff);
            backend.matmul(gate, rows, w.down(), w.bDown(), proj);
            if (w.postMlpNorm() != null) backend.rmsNorm(proj, w.postMlpNorm(), config.rmsNormEps(), config.normPlusOne(), rows, d, proj);
            if (hooked) hook(inputs, rowStart, l, HookPoint.Kind.MLP_OUT, proj);
            backend.add(x, proj, rows * d);
            if (hooked) hook(inputs, rowStart, l, HookPoint.Kind.RESID_POST, x);
            if (check) requireFinite(x, rows, d, HookPoint.Kind.RESID_POST, l, ids, positions, rowStart);
        }
        for (Input in : inputs) in.sequence().length += in.tokens().length;
        if (layerLimit < config.layers()) return null;

        // Final norm and unembedding, only for the rows whose logits are wanted.
        int outRows = allLogits ? rows : inputs.size();
        if (allLogits) {
            backend.rmsNorm(x, weights.finalNorm, config.rmsNormEps(), config.normPlusOne(), rows, d, xn);
        } else {
            for (int i = 0; i < inputs.size(); i++) {
                int last = rowStart[i] + inputs.get(i).tokens().length - 1;
                backend.copy(x, (long) last * d, proj, (long) i * d, d);
            }
            backend.rmsNorm(proj, weights.finalNorm, config.rmsNormEps(), config.normPlusOne(), outRows, d, xn);
        }
        ensureLogitRows(outRows);
        backend.matmul(xn, outRows, weights.unembedding, null, logits);
        if (config.finalLogitSoftcap() > 0) backend.softcap(logits, outRows * vocab, config.finalLogitSoftcap());
        if (check) {
            long bad = backend.firstNonFinite(logits, (long) outRows * vocab);
            if (bad >= 0) {
                int row = (int) (bad / vocab);
                int r = allLogits ? row : rowStart[row] + inputs.get(row).tokens().length - 1;
                throw nonFinite("the logits", r, (int) (bad % vocab), logits, bad, ids, positions, rowStart, " (vocab entry ");
            }
        }
        float[][] out = new float[inputs.size()][];
        for (int i = 0; i < inputs.size(); i++) {
            int n = allLogits ? inputs.get(i).tokens().length : 1;
            int first = allLogits ? rowStart[i] : i;
            out[i] = new float[n * vocab];
            backend.download(logits, (long) first * vocab, out[i], 0, n * vocab);
        }
        return out;
    }

    private void requireFinite(Buf buf, int rows, int d, HookPoint.Kind kind, int layer, int[] ids, int[] positions, int[] rowStart) {
        requireFinite(buf, rows, d, "blocks." + layer + "." + kind.tlName, ids, positions, rowStart);
    }

    private void requireFinite(Buf buf, int rows, int d, String where, int[] ids, int[] positions, int[] rowStart) {
        long bad = backend.firstNonFinite(buf, (long) rows * d);
        if (bad >= 0) throw nonFinite(where, (int) (bad / d), (int) (bad % d), buf, bad, ids, positions, rowStart, " (dimension ");
    }

    /** "non-finite value in blocks.3.hook_resid_post at position 5 (token 7): NaN (dimension 12)". */
    private ArithmeticException nonFinite(String where, int row, int column, Buf buf, long index, int[] ids, int[] positions,
                                          int[] rowStart, String columnLabel) {
        float[] v = new float[1];
        backend.download(buf, index, v, 0, 1);
        int seq = 0;
        while (seq + 1 < rowStart.length && rowStart[seq + 1] <= row) seq++;
        String value = Float.isNaN(v[0]) ? "NaN" : v[0] > 0 ? "+Infinity" : "-Infinity";
        return new ArithmeticException("non-finite value in " + where + " at position " + positions[row] + " (token " + ids[row]
                + (rowStart.length > 1 ? ", sequence " + seq : "") + "): " + value + columnLabel + column + ")");
    }

    /** Runs the hook entries of every input at one point, on the selected rows only. */
    private void hook(List<Input> inputs, int[] rowStart, int layer, HookPoint.Kind kind, Buf buf) {
        int d = config.hiddenSize();
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            if (in.hooks() == null) continue;
            List<Hooks.Entry> entries = in.hooks().at(layer, kind);
            if (entries == null) continue;
            int start = in.sequence().length();
            for (int t = 0; t < in.tokens().length; t++) {
                int pos = start + t;
                boolean any = false;
                for (Hooks.Entry e : entries) any |= e.positions().contains(pos);
                if (!any) continue;
                long off = (long) (rowStart[i] + t) * d;
                backend.download(buf, off, hookRow, 0, d);
                boolean changed = false;
                for (Hooks.Entry e : entries) {
                    if (!e.positions().contains(pos)) continue;
                    if (e.capture() != null) {
                        e.capture().accept(i, pos, hookRow);
                    } else {
                        e.edit().apply(pos, hookRow);
                        changed = true;
                    }
                }
                if (changed) backend.upload(hookRow, 0, buf, off, d);
            }
        }
    }

    private void ensureRows(int rows) {
        if (rows <= rowsCap) return;
        int cap = Math.max(rows, Math.min(2 * rowsCap, 1 << 12));
        long d = config.hiddenSize();
        x = backend.allocate(cap * d);
        xn = backend.allocate(cap * d);
        proj = backend.allocate(cap * d);
        q = backend.allocate((long) cap * config.qDim());
        att = backend.allocate((long) cap * config.qDim());
        k = backend.allocate((long) cap * config.kvDim());
        v = backend.allocate((long) cap * config.kvDim());
        gate = backend.allocate((long) cap * config.intermediateSize());
        up = backend.allocate((long) cap * config.intermediateSize());
        rowsCap = cap;
    }

    private void ensureLogitRows(int rows) {
        if (rows <= logitRowsCap) return;
        logits = backend.allocate((long) rows * config.vocabSize());
        logitRowsCap = rows;
    }

    @Override
    public void close() throws Exception {
        weights.close();
        if (owned != null) owned.close();
    }
}
