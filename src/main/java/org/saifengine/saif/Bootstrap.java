package org.saifengine.saif;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded percentile bootstrap of a mean (95% interval by default). */
public final class Bootstrap {
    private Bootstrap() {}

    /** A mean with its interval. */
    public record Interval(double mean, double lo, double hi, int n) {}

    public static Interval mean(double[] values, int resamples, long seed) {
        return mean(values, resamples, seed, 0.95);
    }

    public static Interval mean(double[] values, int resamples, long seed, double level) {
        int n = values.length;
        if (n == 0) return new Interval(Double.NaN, Double.NaN, Double.NaN, 0);
        if (resamples < 1) throw new IllegalArgumentException("bootstrap resamples must be >= 1, got " + resamples);
        double mean = Arrays.stream(values).sum() / n;
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += values[rnd.nextInt(n)];
            means[b] = s / n;
        }
        Arrays.sort(means);
        double tail = (1 - level) / 2;
        return new Interval(mean, quantile(means, tail), quantile(means, 1 - tail), n);
    }

    public static Interval ofBooleans(boolean[] values, int resamples, long seed) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) d[i] = values[i] ? 1 : 0;
        return mean(d, resamples, seed);
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
