package org.saifengine.sae.train;

/** What one optimiser step saw: fraction of variance unexplained, AuxK loss, mean L0, dead-latent fraction. */
public record StepStats(double fvu, double auxk, double l0, double deadFraction, double lr) {}
