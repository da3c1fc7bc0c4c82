package org.saifengine.model;

import java.util.Arrays;

/** Which token positions (0-based, absolute within the sequence) a hook acts on. */
@FunctionalInterface
public interface Positions {
    boolean contains(int position);

    static Positions all() { return p -> true; }

    /** Exactly these positions. */
    static Positions of(int... positions) {
        int[] sorted = positions.clone();
        Arrays.sort(sorted);
        return p -> Arrays.binarySearch(sorted, p) >= 0;
    }

    /** start <= p < end. */
    static Positions range(int start, int end) { return p -> p >= start && p < end; }

    /** p >= start (e.g. all generated tokens: start = prompt length). */
    static Positions from(int start) { return p -> p >= start; }
}
