package org.saifengine.sae.train;

/**
 * Evaluation of an SAE at a hook.
 *
 * @param fvu             fraction of variance unexplained, Σ||x - x̂||² / Σ||x - mean(x)||²
 * @param l0              mean number of active latents per token
 * @param deadFraction    fraction of latents that never fired on the evaluation tokens
 * @param ceClean         next-token cross-entropy of the unmodified model
 * @param ceReconstructed with the hook's activations replaced by the SAE reconstruction
 * @param ceZeroAblation  with the hook's activations replaced by zeros
 * @param ceLossRecovered (ceZero - ceRecon) / (ceZero - ceClean)
 * @param tokens          evaluation tokens (positions after BOS)
 */
public record SaeMetrics(double fvu, double l0, double deadFraction, double ceClean, double ceReconstructed,
                         double ceZeroAblation, double ceLossRecovered, long tokens) {}
