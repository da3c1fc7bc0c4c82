package org.saifengine.backend.cpu;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** Splits a range over the common fork-join pool, or runs it on the caller when the work is small. */
final class Parallel {
    /** Below this many multiply-adds a task is not worth handing to other threads. */
    static final long MIN_PARALLEL_WORK = 1 << 15;

    private Parallel() {}

    /**
     * Runs body(chunk) for chunk in [0, chunks); in parallel when totalWork is large enough and threads > 1.
     */
    static void forChunks(int chunks, long totalWork, int threads, IntConsumer body) {
        if (threads <= 1 || chunks <= 1 || totalWork < MIN_PARALLEL_WORK) {
            for (int c = 0; c < chunks; c++) body.accept(c);
        } else {
            IntStream.range(0, chunks).parallel().forEach(body);
        }
    }
}
