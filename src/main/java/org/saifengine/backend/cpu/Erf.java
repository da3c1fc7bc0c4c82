package org.saifengine.backend.cpu;

/** The error function, which java.lang.Math lacks. */
final class Erf {
    private Erf() {}

    static double erf(double x) {
        // Numerical Recipes' erfc Chebyshev fit (fractional error < 1.2e-7), ample for an f32 activation.
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        double erfc = x >= 0 ? ans : 2.0 - ans;
        return 1.0 - erfc;
    }
}
