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

    /** The species every vector loop of the engine uses; the shuffles are built once for it. */
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float>[] TREE = tree(SPECIES);

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] tree(VectorSpecies<Float> s) {
        int n = s.length();
        VectorShuffle<Float>[] out = new VectorShuffle[Integer.numberOfTrailingZeros(n)];
        for (int l = 0, half = n / 2; half >= 1; l++, half /= 2) {
            final int h = half;
            out[l] = VectorShuffle.fromOp(s, i -> (i + h) % n);
        }
        return out;
    }

    /** Sum of the lanes of a {@code SPECIES_PREFERRED} vector, pairwise: lane i gets lane i + n/2, then i + n/4, ...;
     *  lane 0 holds the result. */
    public static float sum(FloatVector v) {
        if (v.species() != SPECIES) throw new IllegalArgumentException("Lanes.sum expects " + SPECIES + ", got " + v.species());
        for (VectorShuffle<Float> shift : TREE) v = v.add(v.rearrange(shift));
        return v.lane(0);
    }
}
