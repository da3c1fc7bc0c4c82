package org.saifengine.tokenizer;

import java.util.PriorityQueue;

/**
 * The BPE merge loop shared by Hugging Face BPE (merge rank) and SentencePiece BPE (piece score): repeatedly merge
 * the adjacent pair with the best priority, ties going to the leftmost pair, until no pair merges. Symbols form a
 * linked list and candidates sit in a heap, so a long piece (e.g. a whole text without a pre-tokenizer) costs
 * O(n log n), not O(n^2).
 */
final class PairMerge {
    /** No merge for a pair. */
    static final long NONE = Long.MAX_VALUE;

    /** Decides whether two adjacent symbols merge. */
    interface Rule {
        /**
         * @param leftId  id of the left symbol (-1 if unknown)
         * @param rightId id of the right symbol (-1 if unknown)
         * @param start   start of the merged text in the piece
         * @param end     end of the merged text in the piece
         * @return {@link #key} of (priority, merged id), lower priority first; or {@link #NONE}
         */
        long merge(int leftId, int rightId, int start, int end);
    }

    static long key(int priority, int mergedId) {
        return ((long) priority << 32) | (mergedId & 0xFFFFFFFFL);
    }

    /** Maps a float to an int with the same order (for score-based priorities). */
    static int sortableBits(float f) {
        int bits = Float.floatToIntBits(f);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    private record Candidate(long key, int left, int right, int leftEnd, int rightEnd) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            int c = Long.compare(key, o.key);
            return c != 0 ? c : Integer.compare(left, o.left);
        }
    }

    final int[] ids;
    final int[] start;
    final int[] end;
    final int[] next;
    private final int[] prev;
    private final boolean[] frozen;
    private final Rule rule;
    private final PriorityQueue<Candidate> heap = new PriorityQueue<>();

    /** Symbols i = 0..n-1 with ids and [start, end) spans; frozen symbols never merge. */
    PairMerge(int[] ids, int[] start, int[] end, boolean[] frozen, Rule rule) {
        int n = ids.length;
        this.ids = ids;
        this.start = start;
        this.end = end;
        this.frozen = frozen;
        this.rule = rule;
        this.next = new int[n];
        this.prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
    }

    /** Runs the merges; afterwards walk symbols from 0 through {@link #next} (dead symbols are skipped). */
    void run() {
        int n = ids.length;
        for (int i = 0; i + 1 < n; i++) consider(i, i + 1);
        while (!heap.isEmpty()) {
            Candidate c = heap.poll();
            int l = c.left, r = c.right;
            if (next[l] != r || end[l] != c.leftEnd || end[r] != c.rightEnd || ids[l] == Integer.MIN_VALUE) continue;
            ids[l] = (int) c.key;
            end[l] = end[r];
            int rn = next[r];
            next[l] = rn;
            if (rn >= 0) prev[rn] = l;
            ids[r] = Integer.MIN_VALUE; // dead
            next[r] = -2;
            if (prev[l] >= 0) consider(prev[l], l);
            if (rn >= 0) consider(l, rn);
        }
    }

    private void consider(int l, int r) {
        if (frozen != null && (frozen[l] || frozen[r])) return;
        long k = rule.merge(ids[l], ids[r], start[l], end[r]);
        if (k != NONE) heap.add(new Candidate(k, l, r, end[l], end[r]));
    }
}
