package org.saifengine.sae.train;

import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.Positions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

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
    private final ActivationSource source;
    private final List<Integer> windows;
    private final int bufferTokens;
    private final Random rng;
    private final int windowsPerForward;
    private int cursor;
    private float[][] buffer = new float[0][];
    private int bufPos;
    private final boolean cacheAll;
    private long windowsRun;

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
        this.windows = new ArrayList<>(windows);
        this.bufferTokens = bufferTokens;
        this.rng = new Random(seed);
        this.windowsPerForward = 8;
        long tokens = 0;
        for (int w : windows) tokens += source.tokens(w);
        this.cacheAll = tokens <= bufferTokens;
        Corpus.shuffle(this.windows, rng);
    }

    /** Skips ahead (resume): positions the window cursor as if n windows had been consumed. */
    public void skipWindows(long n) {
        cursor = (int) (n % windows.size());
    }

    public long windowsRun() { return windowsRun; }

    public float[][] nextBatch(int size) {
        float[][] out = new float[size][];
        for (int i = 0; i < size; i++) {
            if (bufPos >= buffer.length) refill();
            out[i] = buffer[bufPos++];
        }
        return out;
    }

    private void refill() {
        if (cacheAll && buffer.length > 0) {
            shuffleArray(buffer);
            bufPos = 0;
            return;
        }
        List<float[]> acts = new ArrayList<>();
        int target = cacheAll ? Integer.MAX_VALUE : bufferTokens;
        int passStart = cursor;
        boolean wrapped = false;
        while (acts.size() < target) {
            List<Integer> group = new ArrayList<>();
            while (group.size() < windowsPerForward) {
                group.add(windows.get(cursor));
                cursor = (cursor + 1) % windows.size();
                windowsRun++;
                if (cursor == passStart) {
                    wrapped = true;
                    break;
                }
            }
            acts.addAll(source.activations(group));
            if (wrapped && cacheAll) break;
            if (wrapped) Corpus.shuffle(windows, rng);
        }
        buffer = acts.toArray(new float[0][]);
        shuffleArray(buffer);
        bufPos = 0;
    }

    private void shuffleArray(float[][] a) {
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
