package org.saifengine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LanesTest {
    /** The same pairwise tree written with scalars: lane i += lane i + half, halving until one lane is left. */
    private static float scalarTree(float[] lanes) {
        float[] v = lanes.clone();
        int n = v.length;
        for (int half = n / 2; half >= 1; half /= 2) {
            float[] next = new float[n];
            for (int i = 0; i < n; i++) next[i] = v[i] + v[(i + half) % n];
            v = next;
        }
        return v[0];
    }

    @Test
    void sumIsThePairwiseTreeBitForBitInEveryTier() {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        Random rnd = new Random(7);
        float[] lanes = new float[s.length()];
        // Enough iterations that C2 compiles Lanes.sum part-way through: the result must not change when it does.
        for (int iter = 0; iter < 200_000; iter++) {
            for (int i = 0; i < lanes.length; i++) lanes[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
            float got = Lanes.sum(FloatVector.fromArray(s, lanes, 0));
            assertEquals(Float.floatToIntBits(scalarTree(lanes)), Float.floatToIntBits(got), "iteration " + iter);
        }
    }
}
