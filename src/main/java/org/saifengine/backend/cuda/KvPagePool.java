package org.saifengine.backend.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Paged KV-cache bookkeeping (plain Java; the device pools are [nPages * pageSize, kvDim] per layer). Each sequence
 * owns a list of physical pages; position p of a sequence lives in row
 * {@code pages[p / pageSize] * pageSize + p % pageSize}. Pages are handed out lowest-free-first and returned when a
 * sequence ends, so sequences of different lengths share one pool without fragmentation.
 */
public final class KvPagePool {
    private final int pageSize;
    private final int nPages;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final Map<Integer, List<Integer>> pagesBySeq = new HashMap<>();
    private final Map<Integer, Integer> lengthBySeq = new HashMap<>();

    public KvPagePool(int pageSize, int nPages) {
        if (pageSize < 1) throw new IllegalArgumentException("KV page size must be positive, got " + pageSize);
        if (nPages < 1) throw new IllegalArgumentException("KV page count must be positive, got " + nPages);
        this.pageSize = pageSize;
        this.nPages = nPages;
        for (int i = 0; i < nPages; i++) free.add(i);
    }

    /** Pages a pool needs so that {@code nSeqs} sequences of up to {@code maxLen} tokens fit at once. */
    public static int pagesFor(int nSeqs, int maxLen, int pageSize) {
        return (int) (nSeqs * KernelGeometry.ceilDiv(maxLen, pageSize));
    }

    public int pageSize() {
        return pageSize;
    }

    public int pageCount() {
        return nPages;
    }

    public int freePages() {
        return free.size();
    }

    public int length(int seq) {
        return lengthBySeq.getOrDefault(seq, 0);
    }

    /**
     * Extends sequence {@code seq} by {@code nTokens} positions, taking pages as needed, and returns the physical
     * rows (slots) of the new positions in order. Fails without changing anything when the pool is too small.
     */
    public int[] append(int seq, int nTokens) {
        if (nTokens < 0) throw new IllegalArgumentException("token count must be >= 0, got " + nTokens);
        int len = length(seq);
        List<Integer> pages = pagesBySeq.computeIfAbsent(seq, s -> new ArrayList<>());
        long needPages = KernelGeometry.ceilDiv((long) len + nTokens, pageSize) - pages.size();
        if (needPages > free.size()) {
            if (pages.isEmpty()) pagesBySeq.remove(seq);
            throw new IllegalStateException("KV cache full: sequence " + seq + " needs " + needPages + " more pages of "
                    + pageSize + " tokens, " + free.size() + " of " + nPages + " free");
        }
        for (long i = 0; i < needPages; i++) pages.add(free.poll());
        int[] slots = new int[nTokens];
        for (int i = 0; i < nTokens; i++) slots[i] = slot(pages, len + i);
        lengthBySeq.put(seq, len + nTokens);
        return slots;
    }

    /** The physical row of position {@code pos} of sequence {@code seq}. */
    public int slot(int seq, int pos) {
        if (pos < 0 || pos >= length(seq)) {
            throw new IllegalArgumentException("position " + pos + " outside sequence " + seq + " of length " + length(seq));
        }
        return slot(pagesBySeq.get(seq), pos);
    }

    private int slot(List<Integer> pages, int pos) {
        return pages.get(pos / pageSize) * pageSize + pos % pageSize;
    }

    /** The sequence's page table (logical page -> physical page), padded with 0 to {@code width} entries. */
    public int[] pageTable(int seq, int width) {
        List<Integer> pages = pagesBySeq.getOrDefault(seq, List.of());
        if (pages.size() > width) {
            throw new IllegalArgumentException("sequence " + seq + " has " + pages.size() + " pages, table width " + width);
        }
        int[] t = new int[width];
        for (int i = 0; i < pages.size(); i++) t[i] = pages.get(i);
        return t;
    }

    /** Returns all pages of a finished sequence to the pool. */
    public void release(int seq) {
        List<Integer> pages = pagesBySeq.remove(seq);
        lengthBySeq.remove(seq);
        if (pages == null) return;
        List<Integer> merged = new ArrayList<>(free);
        merged.addAll(pages);
        merged.sort(null);
        free.clear();
        free.addAll(merged);
    }
}
