package org.saifengine.steer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/** The steering directions SAIF compares: SAIF latents, dense difference of means, random latents. */
public final class SteeringVectors {
    private SteeringVectors() {}

    /** SAIF: v = alpha * sum_j coef_j * W_dec[j] (coef_j = mean activation of latent j on positives). */
    public static float[] saif(List<Integer> latents, float[] coef, IntFunction<float[]> decoderRow, double alpha) {
        if (latents.isEmpty()) throw new IllegalArgumentException("no latents selected: cannot build a SAIF vector");
        float[] v = null;
        for (int i = 0; i < latents.size(); i++) {
            float[] row = decoderRow.apply(latents.get(i));
            if (v == null) v = new float[row.length];
            if (row.length != v.length) throw new IllegalArgumentException("decoder rows differ in length");
            double c = alpha * coef[i];
            for (int d = 0; d < v.length; d++) v[d] += (float) (c * row[d]);
        }
        return v;
    }

    /** Stolfo et al. 2024: w * u / |u|, u = mean(h_with_instruction - h_without). */
    public static float[] differenceOfMeans(float[] u, double w) {
        double n = SteeringPlan.norm(u);
        if (n == 0) throw new IllegalArgumentException("difference of means is the zero vector");
        float[] v = new float[u.length];
        for (int i = 0; i < u.length; i++) v[i] = (float) (w * u[i] / n);
        return v;
    }

    /**
     * Random-latent control: {@code count} distinct latents drawn (seeded) from those not in {@code exclude}, combined
     * with the given coefficients as SAIF does, then rescaled to {@code targetNorm}.
     */
    public static RandomControl randomLatents(int dSae, int count, List<Integer> exclude, float[] coef,
                                              IntFunction<float[]> decoderRow, double targetNorm, long seed) {
        if (count > dSae - exclude.size()) throw new IllegalArgumentException("not enough latents for a random control of " + count);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Integer> picked = new ArrayList<>();
        while (picked.size() < count) {
            int j = rnd.nextInt(dSae);
            if (!exclude.contains(j) && !picked.contains(j)) picked.add(j);
        }
        float[] v = saif(picked, coef, decoderRow, 1.0);
        double n = SteeringPlan.norm(v);
        if (n > 0) for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] * targetNorm / n);
        return new RandomControl(List.copyOf(picked), v);
    }

    public record RandomControl(List<Integer> latents, float[] vector) {}
}
