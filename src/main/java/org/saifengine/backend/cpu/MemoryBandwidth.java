package org.saifengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Measures read bandwidth the way decode reads weights: a parallel Vector API sum over an off-heap buffer much
 * larger than the caches. The decode floor of a model is its weight bytes divided by this.
 */
public final class MemoryBandwidth {
    private MemoryBandwidth() {}

    /** Best of several passes, in bytes per second. */
    public static double measure(long bytes, int passes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(bytes, 64);
            seg.fill((byte) 1);
            int chunks = 256;
            long per = bytes / chunks / 64 * 64;
            double best = 0;
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                double sum = IntStream.range(0, chunks).parallel().mapToDouble(c -> sum(seg, c * per, per)).sum();
                double s = (System.nanoTime() - t0) / 1e9;
                if (sum == 42) System.out.print(""); // keep the result alive
                best = Math.max(best, per * chunks / s);
            }
            return best;
        }
    }

    private static double sum(MemorySegment seg, long off, long len) {
        // Four independent accumulators so the adds never limit the loads.
        FloatVector a0 = FloatVector.zero(Dot.F), a1 = a0, a2 = a0, a3 = a0;
        long step = Dot.F.vectorByteSize();
        for (long i = 0; i + 4 * step <= len; i += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(Dot.F, seg, off + i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(Dot.F, seg, off + i + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(Dot.F, seg, off + i + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(Dot.F, seg, off + i + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }
}
