package org.saifengine.sae;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Small Vector API kernels shared by the SAE code. */
final class VectorOps {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorOps() {}

    /** y[yOff..yOff+n) += a * x[xOff..xOff+n). */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        int upper = S.loopBound(n);
        FloatVector va = FloatVector.broadcast(S, a);
        for (; i < upper; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }

    /** Dot product of a[aOff..aOff+n) and b[bOff..bOff+n). */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        int upper = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        for (; i < upper; i += S.length()) {
            acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
        }
        float s = org.saifengine.backend.cpu.Lanes.sum(acc);
        for (; i < n; i++) s = Math.fma(a[aOff + i], b[bOff + i], s);
        return s;
    }
}
