package org.saifengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sum of a vector in one fixed order. {@code reduceLanes(ADD)} on floats leaves the order unspecified,
 * and HotSpot does use different orders before and after C2 compiles a loop, so the same forward pass could give
 * results that differ in the last bits between a cold and a warm JVM (and so between a run and its resumed run).
 * A pairwise tree built from rearranges and lane-wise adds is exact data movement plus IEEE adds in every tier.
 */
public final class Lanes {
    private Lanes() {}

    private static final java.util.concurrent.ConcurrentHashMap<VectorSpecies<Float>, VectorShuffle<Float>[]> TREES =
            new java.util.concurrent.ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] tree(VectorSpecies<Float> species) {
        return TREES.computeIfAbsent(species, s -> {
            int n = s.length();
            int levels = Integer.numberOfTrailingZeros(n);
            VectorShuffle<Float>[] out = new VectorShuffle[levels];
            for (int l = 0, half = n / 2; half >= 1; l++, half /= 2) {
                final int h = half;
                out[l] = VectorShuffle.fromOp(s, i -> (i + h) % n);
            }
            return out;
        });
    }

    /** Sum of all lanes, pairwise: lane i gets lane i + n/2, then i + n/4, ... ; lane 0 holds the result. */
    public static float sum(FloatVector v) {
        for (VectorShuffle<Float> shift : tree(v.species())) v = v.add(v.rearrange(shift));
        return v.lane(0);
    }
}
