package org.saifengine.sae.train;

import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.Positions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongConsumer;

/**
 * Streams residual activations from the engine: runs the model over token windows with a capture hook, keeps the
 * vectors of every position but the first (BOS, whose residual is an outlier the SAE should not spend capacity on)
 * in a buffer, shuffles it and hands out batches; when the buffer runs dry it runs the model over the next windows,
 * cycling through the corpus. When the whole corpus fits in the buffer it is captured once and only reshuffled.
 * The activations of a group of windows come from an {@link ActivationSource}: the model itself, or activations
 * collected beforehand ({@link CollectedActivations}, e.g. by a Spark job); the order of windows and vectors depends
 * only on the seed, so both give the same batches when the source gives the same vectors.
 */
public final class ActivationStore {
    /**
     * Where the stream is, restorable after a kill: the buffer now being handed out is refill number {@code refill}
     * (0-based), filled starting at window {@code cursor} of pass {@code epoch} after {@code windowsRun} windows;
     * {@code bufPos} vectors of it are used.
     */
    public record Position(long refill, int epoch, int cursor, long windowsRun, int bufPos) {}

    private final ActivationSource source;
    private final List<Integer> corpus;
    private final int bufferTokens;
    private final long seed;
    private final int windowsPerForward;
    private List<Integer> windows;
    private int epoch, cursor;
    private float[][] buffer = new float[0][];
    private float[][] capturedAll;
    private int bufPos;
    private final boolean cacheAll;
    private final long corpusTokens;
    private long windowsRun, refills;
    private Position bufferStart;
    private LongConsumer fillListener;

    public ActivationStore(Model model, HookPoint hook, List<int[]> windows, int bufferTokens, long seed) {
        this(ActivationSource.model(model, hook, windows), java.util.stream.IntStream.range(0, windows.size()).boxed().toList(),
                bufferTokens, seed);
    }

    /**
     * @param windows the source's window indexes to train on (held-out ones left out), in corpus order; the store
     *                shuffles its own copy with the seed
     */
    public ActivationStore(ActivationSource source, List<Integer> windows, int bufferTokens, long seed) {
        if (windows.isEmpty()) throw new IllegalArgumentException("the training corpus has no token windows");
        this.source = source;
        this.corpus = List.copyOf(windows);
        this.bufferTokens = bufferTokens;
        this.seed = seed;
        this.windowsPerForward = 8;
        long tokens = 0;
        for (int w : windows) tokens += source.tokens(w);
        this.corpusTokens = tokens;
        this.cacheAll = tokens <= bufferTokens;
        this.windows = order(0);
    }

    /**
     * The window order of one pass over the corpus; each pass (and each buffer's shuffle) has its own seed, so that
     * any point of the stream can be rebuilt from a {@link Position} without replaying what came before.
     */
    private List<Integer> order(int pass) {
        List<Integer> w = new ArrayList<>(corpus);
        Corpus.shuffle(w, new Random(seed + 0x9E3779B97F4A7C15L * pass));
        return w;
    }

    /** Skips ahead (resume from a checkpoint without a {@link Position}): as if n windows had been consumed. */
    public void skipWindows(long n) {
        cursor = (int) (n % windows.size());
    }

    public long windowsRun() { return windowsRun; }

    /** Vectors one buffer fill captures: the buffer size, or the whole corpus when it fits. */
    public long fillTarget() {
        return cacheAll ? corpusTokens : bufferTokens;
    }

    /**
     * Told the vectors captured so far after each forward pass while a buffer fills (null: no one), so that a caller
     * can show progress: a fill runs the model over tens of thousands of tokens before the first batch comes out.
     */
    public void onFill(LongConsumer listener) {
        this.fillListener = listener;
    }

    private void filled(int vectors) {
        if (fillListener != null) fillListener.accept(vectors);
    }

    /** The stream's position now (before any batch: refill -1). */
    public Position position() {
        if (bufferStart == null) return new Position(-1, epoch, cursor, windowsRun, 0);
        return new Position(bufferStart.refill, bufferStart.epoch, bufferStart.cursor, bufferStart.windowsRun, bufPos);
    }

    /** Puts the stream where {@link #position()} was: refills that one buffer and skips what was used of it. */
    public void restore(Position p) {
        epoch = p.epoch;
        windows = order(epoch);
        cursor = p.cursor;
        windowsRun = p.windowsRun;
        if (p.refill < 0) return;
        refills = p.refill;
        refill();
        if (p.bufPos > buffer.length) throw new IllegalArgumentException("stream position " + p + " is beyond its buffer of " + buffer.length);
        bufPos = p.bufPos;
    }

    public float[][] nextBatch(int size) {
        float[][] out = new float[size][];
        for (int i = 0; i < size; i++) {
            if (bufPos >= buffer.length) refill();
            out[i] = buffer[bufPos++];
        }
        return out;
    }

    private void refill() {
        bufferStart = new Position(refills, epoch, cursor, windowsRun, 0);
        if (cacheAll) {
            if (capturedAll == null) {
                List<float[]> acts = new ArrayList<>();
                List<Integer> all = order(0);
                for (int i = 0; i < all.size(); i += windowsPerForward) {
                    acts.addAll(source.activations(all.subList(i, Math.min(all.size(), i + windowsPerForward))));
                    filled(acts.size());
                }
                capturedAll = acts.toArray(new float[0][]);
                windowsRun += all.size();
            }
            buffer = capturedAll.clone();
        } else {
            List<float[]> acts = new ArrayList<>();
            while (acts.size() < bufferTokens) {
                List<Integer> group = new ArrayList<>();
                while (group.size() < windowsPerForward) {
                    group.add(windows.get(cursor));
                    windowsRun++;
                    if (++cursor == windows.size()) {  // next pass, in a new order
                        cursor = 0;
                        windows = order(++epoch);
                        break;
                    }
                }
                acts.addAll(source.activations(group));
                filled(acts.size());
            }
            buffer = acts.toArray(new float[0][]);
        }
        shuffleArray(buffer, new Random(seed ^ (0xD1B54A32D192ED03L * (refills + 1))));
        refills++;
        bufPos = 0;
    }

    private static void shuffleArray(float[][] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            float[] t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Activations at the hook for positions >= 1 of each window, in window order. */
    public static List<float[]> capture(Model model, HookPoint hook, List<int[]> group) {
        List<List<float[]>> per = new ArrayList<>();
        List<Model.Input> inputs = new ArrayList<>();
        for (int w = 0; w < group.size(); w++) {
            List<float[]> mine = new ArrayList<>();
            per.add(mine);
            Hooks h = Hooks.builder().capture(hook, Positions.from(1), (seq, pos, x) -> mine.add(x.clone())).build();
            int[] ids = group.get(w);
            inputs.add(new Model.Input(model.newSequence(ids.length), ids, h));
        }
        model.forward(inputs, false);
        List<float[]> all = new ArrayList<>();
        for (List<float[]> p : per) all.addAll(p);
        return all;
    }
}
