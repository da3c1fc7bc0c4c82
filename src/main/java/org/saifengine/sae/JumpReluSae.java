package org.saifengine.sae;

/** JumpReLU SAE (Gemma Scope, Llama Scope, BatchTopK as saved): relu(pre) where pre > threshold, else 0. */
public final class JumpReluSae extends Sae {
    JumpReluSae(SaeConfig cfg, SaeWeights w) {
        super(cfg, w);
    }

    private float[] cutoffs;

    @Override
    float[] cutoffs() {
        if (cutoffs == null) cutoffs = cutoffsFrom(w.threshold(), w.bEnc());
        return cutoffs;
    }

    @Override
    float[] floorBias() { return w.bEnc(); }

    @Override
    void onWeightsChanged() { cutoffs = null; }

    @Override
    float activate(int j, float dot) {
        float pre = dot + w.bEnc()[j];
        return pre > w.threshold()[j] ? pre : 0f;
    }

    public float[] threshold() { return w.threshold(); }

    @Override
    void foldEncoderExtras(float[] norms) {
        super.foldEncoderExtras(norms);
        scale(w.threshold(), norms);
    }
}
