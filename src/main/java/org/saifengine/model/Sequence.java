package org.saifengine.model;

import org.saifengine.backend.Buf;

/**
 * One sequence's state: its KV cache (per layer, [capacity, kv_heads x head_dim] keys and values) and how many
 * positions are filled. Made by {@link Model#newSequence(int)}; fed to {@link Model#forward}.
 */
public final class Sequence {
    final Buf[] keys;
    final Buf[] values;
    private final int capacity;
    int length;
    /** Set by {@link Model#capture}: later blocks' caches are missing. */
    boolean partial;

    Sequence(Buf[] keys, Buf[] values, int capacity) {
        this.keys = keys;
        this.values = values;
        this.capacity = capacity;
    }

    /** Positions already in the cache (the next token goes to this position). */
    public int length() { return length; }

    public int capacity() { return capacity; }

    /** Forgets positions from newLength on (e.g. to reuse a shared prefix). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a sequence of length " + length + " to " + newLength);
        }
        length = newLength;
    }
}
