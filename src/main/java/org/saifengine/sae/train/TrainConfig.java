package org.saifengine.sae.train;

/**
 * Hyperparameters of TopK SAE training (OpenAI "Scaling and evaluating sparse autoencoders" / EleutherAI sparsify
 * recipe).
 *
 * @param dSae            number of latents
 * @param k               active latents per token
 * @param batchSize       tokens per optimiser step
 * @param totalTokens     training tokens
 * @param lr              peak Adam learning rate; 0 picks sparsify's 2e-4 / sqrt(d_sae / 2^14)
 * @param warmupSteps     linear warm-up steps; -1 picks 5% of the steps (at most 1000)
 * @param decayFraction   fraction of steps at the end over which the learning rate decays linearly to 0
 * @param auxkAlpha       weight of the AuxK loss (1/32 in the paper)
 * @param deadTokens      a latent that has not fired for this many tokens counts as dead (for AuxK)
 * @param seed            initialisation and shuffling seed
 */
public record TrainConfig(int dSae, int k, int batchSize, long totalTokens, double lr, int warmupSteps,
                          double decayFraction, double auxkAlpha, long deadTokens, long seed) {
    public TrainConfig {
        if (dSae <= 0) throw new IllegalArgumentException("--d-sae must be positive, got " + dSae);
        if (k <= 0 || k > dSae) throw new IllegalArgumentException("--k must be in [1, d_sae=" + dSae + "], got " + k);
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (totalTokens < batchSize) throw new IllegalArgumentException("--tokens (" + totalTokens + ") must be at least one batch (" + batchSize + ")");
        if (!(lr >= 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        if (!(decayFraction >= 0 && decayFraction < 1)) throw new IllegalArgumentException("decay fraction must be in [0, 1), got " + decayFraction);
        if (!(auxkAlpha >= 0)) throw new IllegalArgumentException("auxk alpha must be >= 0, got " + auxkAlpha);
        if (deadTokens <= 0) throw new IllegalArgumentException("dead-token window must be positive, got " + deadTokens);
    }

    public static TrainConfig defaults(int dSae, int k, long totalTokens) {
        return new TrainConfig(dSae, k, 1024, totalTokens, 0, -1, 0.2, 1.0 / 32, Math.max(10_000, totalTokens / 10), 42);
    }

    public long totalSteps() { return totalTokens / batchSize; }

    public double peakLr() {
        return lr > 0 ? lr : 2e-4 / Math.sqrt(dSae / 16384.0);
    }

    public int warmup() {
        return warmupSteps >= 0 ? warmupSteps : (int) Math.min(1000, Math.max(1, totalSteps() / 20));
    }

    /** Learning rate at a step: linear warm-up, constant, linear decay to 0 over the last decayFraction. */
    public double lrAt(long step) {
        long total = totalSteps();
        double peak = peakLr();
        int w = warmup();
        if (step < w) return peak * (step + 1) / w;
        long decayStart = (long) (total * (1 - decayFraction));
        if (step >= decayStart && total > decayStart) return peak * Math.max(0.0, (double) (total - step) / (total - decayStart));
        return peak;
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(dSae, k, batchSize, totalTokens, lr, warmupSteps, decayFraction, auxkAlpha, deadTokens, s);
    }

    public TrainConfig withBatchSize(int b) {
        return new TrainConfig(dSae, k, b, totalTokens, lr, warmupSteps, decayFraction, auxkAlpha, deadTokens, seed);
    }

    public TrainConfig withLr(double l) {
        return new TrainConfig(dSae, k, batchSize, totalTokens, l, warmupSteps, decayFraction, auxkAlpha, deadTokens, seed);
    }

    public TrainConfig withDeadTokens(long d) {
        return new TrainConfig(dSae, k, batchSize, totalTokens, lr, warmupSteps, decayFraction, auxkAlpha, d, seed);
    }
}
