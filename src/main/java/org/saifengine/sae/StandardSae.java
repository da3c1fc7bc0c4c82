package org.saifengine.sae;

/** ReLU SAE: relu(x'W_enc + b_enc). */
public final class StandardSae extends Sae {
    StandardSae(SaeConfig cfg, SaeWeights w) {
        super(cfg, w);
    }

    private float[] cutoffs;

    @Override
    float[] cutoffs() {
        if (cutoffs == null) cutoffs = cutoffsFrom(null, w.bEnc());
        return cutoffs;
    }

    @Override
    float[] floorBias() { return w.bEnc(); }

    @Override
    void onWeightsChanged() { cutoffs = null; }

    @Override
    float activate(int j, float dot) {
        return dot + w.bEnc()[j];
    }
}
