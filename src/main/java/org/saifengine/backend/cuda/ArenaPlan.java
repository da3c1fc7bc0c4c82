package org.saifengine.backend.cuda;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bump allocation of named regions inside one device allocation (the activation arena of a forward step). Offsets
 * are aligned to {@link #ALIGN} bytes (cuBLAS and the vectorized kernel loads want at least 16; 256 matches
 * cudaMalloc). {@link #reset()} frees everything at once between steps; {@link #peak()} tells how large the arena
 * must be. Plain arithmetic: the device memory manager maps offsets onto a base pointer.
 */
public final class ArenaPlan {
    public static final long ALIGN = 256;

    private final long capacity;
    private long top;
    private long peak;
    private final Map<String, Long> offsets = new LinkedHashMap<>();

    /** @param capacity bytes available; Long.MAX_VALUE to size a plan by its peak. */
    public ArenaPlan(long capacity) {
        if (capacity < 0) throw new IllegalArgumentException("arena capacity must be >= 0, got " + capacity);
        this.capacity = capacity;
    }

    public static long align(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("size must be >= 0, got " + bytes);
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Reserves {@code bytes} and returns the region's offset (aligned). Names must be unique until reset. */
    public long allocate(String name, long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("region '" + name + "' has negative size " + bytes);
        if (offsets.containsKey(name)) throw new IllegalArgumentException("region '" + name + "' already allocated");
        long offset = top;
        long end = offset + align(bytes);
        if (end > capacity) {
            throw new IllegalStateException("device arena out of memory: region '" + name + "' needs " + bytes
                    + " bytes at offset " + offset + " but the arena holds " + capacity);
        }
        top = end;
        peak = Math.max(peak, top);
        offsets.put(name, offset);
        return offset;
    }

    public long offset(String name) {
        Long o = offsets.get(name);
        if (o == null) throw new IllegalArgumentException("no arena region named '" + name + "'");
        return o;
    }

    public void reset() {
        top = 0;
        offsets.clear();
    }

    public long used() {
        return top;
    }

    public long peak() {
        return peak;
    }

    public long capacity() {
        return capacity;
    }
}
