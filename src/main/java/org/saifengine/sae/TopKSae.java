package org.saifengine.sae;

import java.util.Arrays;

/**
 * TopK SAE: keep the k largest pre-activations (optionally times the decoder row norms), relu them, zero the rest.
 * With rescale_acts_by_decoder_norm the kept values carry the norm and decode divides it back out (as SAELens does).
 */
public final class TopKSae extends Sae {
    private float[] decNorm;
    private float[] invDecNorm;

    TopKSae(SaeConfig cfg, SaeWeights w) {
        super(cfg, w);
        onWeightsChanged();
    }

    public int k() { return cfg.k(); }

    @Override
    float activate(int j, float dot) {
        float pre = dot + w.bEnc()[j];
        return decNorm == null ? pre : pre * decNorm[j];
    }

    private float[] cutoffs;

    @Override
    int naturalCapacity() { return cfg.k(); }

    @Override
    float[] cutoffs() {
        if (decNorm != null) return null;
        if (cutoffs == null) cutoffs = cutoffsFrom(null, w.bEnc());
        return cutoffs;
    }

    @Override
    float[] floorBias() { return decNorm == null ? w.bEnc() : null; }

    @Override
    float decodeScale(int j) {
        return invDecNorm == null ? 1f : invDecNorm[j];
    }

    /** Literal SAELens semantics: top k of all scores (any sign), then relu. */
    @Override
    float[] denseFromDots(float[] dots) {
        int n = dots.length;
        float[] score = new float[n];
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
            score[j] = activate(j, dots[j]);
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> Float.compare(score[b], score[a]) != 0 ? Float.compare(score[b], score[a]) : Integer.compare(a, b));
        float[] out = new float[n];
        for (int m = 0; m < cfg.k(); m++) out[order[m]] = Math.max(0f, score[order[m]]);
        return out;
    }

    @Override
    public void foldWDecNorm() {
        if (!cfg.rescaleActsByDecoderNorm()) {
            throw new IllegalStateException("folding W_dec norms into a TopK SAE without rescale_acts_by_decoder_norm would change which latents win the top-k");
        }
        super.foldWDecNorm();
    }

    @Override
    void onWeightsChanged() {
        cutoffs = null;
        if (!cfg.rescaleActsByDecoderNorm()) {
            decNorm = invDecNorm = null;
            return;
        }
        decNorm = decoderNorms();
        invDecNorm = new float[decNorm.length];
        for (int j = 0; j < decNorm.length; j++) invDecNorm[j] = 1f / decNorm[j];
    }
}
