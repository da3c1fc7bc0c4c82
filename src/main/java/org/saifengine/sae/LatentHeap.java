package org.saifengine.sae;

import java.util.Arrays;

/**
 * Keeps the strongest positive latents of one token: a min-heap of at most {@code capacity} entries, so a token's
 * code is found without materialising its dense d_sae vector. Capacity Integer.MAX_VALUE keeps every positive one.
 */
public final class LatentHeap {
    private final int capacity;
    private float[] vals;
    private int[] idx;
    private int size;

    public LatentHeap(int capacity) {
        this.capacity = capacity;
        int initial = Math.min(capacity, 64);
        vals = new float[Math.max(initial, 1)];
        idx = new int[vals.length];
    }

    /** The value a newcomer must beat once the heap is full (or 0 before). */
    public float floor() {
        return size < capacity ? 0f : vals[0];
    }

    public void offer(int j, float v) {
        if (!(v > 0f)) return;
        if (size < capacity) {
            if (size == vals.length) {
                int n = (int) Math.min((long) capacity, 2L * vals.length);
                vals = Arrays.copyOf(vals, n);
                idx = Arrays.copyOf(idx, n);
            }
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (!less(v, j, vals[p], idx[p])) break;
                vals[i] = vals[p];
                idx[i] = idx[p];
                i = p;
            }
            vals[i] = v;
            idx[i] = j;
        } else if (less(vals[0], idx[0], v, j)) {
            siftDown(j, v);
        }
    }

    /** Ordering: smaller value first; among equal values the larger index is "smaller" (so lower ids win ties). */
    private static boolean less(float va, int ja, float vb, int jb) {
        return va < vb || (va == vb && ja > jb);
    }

    private void siftDown(int j, float v) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) break;
            int r = l + 1;
            int c = (r < size && less(vals[r], idx[r], vals[l], idx[l])) ? r : l;
            if (!less(vals[c], idx[c], v, j)) break;
            vals[i] = vals[c];
            idx[i] = idx[c];
            i = c;
        }
        vals[i] = v;
        idx[i] = j;
    }

    public int size() { return size; }

    /** Empties the heap for reuse. */
    public void clear() { size = 0; }

    /** Entry i (heap order, not sorted). */
    public int indexAt(int i) { return idx[i]; }

    public float valueAt(int i) { return vals[i]; }

    void addAll(LatentHeap other) {
        for (int i = 0; i < other.size; i++) offer(other.idx[i], other.vals[i]);
    }

    /** The kept latents, strongest first (ties: lower id first). */
    /** Each token's code from the heaps the parallel tasks filled: heaps[task][token], merged over tasks. */
    static SparseCode[] merge(LatentHeap[][] heaps, NormState[] norms) {
        SparseCode[] out = new SparseCode[norms.length];
        for (int t = 0; t < out.length; t++) {
            LatentHeap all = heaps[0][t];
            for (int task = 1; task < heaps.length; task++) all.addAll(heaps[task][t]);
            out[t] = all.toCode(norms[t]);
        }
        return out;
    }

    public SparseCode toCode(NormState norm) {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> less(vals[a], idx[a], vals[b], idx[b]) ? 1 : (less(vals[b], idx[b], vals[a], idx[a]) ? -1 : 0));
        int[] is = new int[size];
        float[] vs = new float[size];
        for (int i = 0; i < size; i++) {
            is[i] = idx[order[i]];
            vs[i] = vals[order[i]];
        }
        return new SparseCode(is, vs, norm);
    }
}
