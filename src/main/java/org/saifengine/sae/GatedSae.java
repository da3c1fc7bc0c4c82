package org.saifengine.sae;

/**
 * Gated SAE: 1[x'W_enc + b_gate > 0] * relu(x'(W_enc * exp(r_mag)) + b_mag). The magnitude path shares W_enc, so
 * one dot product serves both paths (exp(r_mag) scales each latent's column).
 */
public final class GatedSae extends Sae {
    private final float[] expRMag;

    GatedSae(SaeConfig cfg, SaeWeights w) {
        super(cfg, w);
        expRMag = new float[cfg.dSae()];
        for (int j = 0; j < expRMag.length; j++) expRMag[j] = (float) Math.exp(w.rMag()[j]);
    }

    private float[] cutoffs;

    @Override
    float[] cutoffs() {
        if (cutoffs == null) cutoffs = cutoffsFrom(null, w.bGate());
        return cutoffs;
    }

    @Override
    void onWeightsChanged() { cutoffs = null; }

    @Override
    float activate(int j, float dot) {
        if (!(dot + w.bGate()[j] > 0f)) return 0f;
        return dot * expRMag[j] + w.bMag()[j];
    }

    @Override
    void foldEncoderExtras(float[] norms) {
        scale(w.bGate(), norms);
        scale(w.bMag(), norms);
    }
}
