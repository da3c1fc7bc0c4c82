package org.saifengine.sae;

/** ReLU SAE: relu(x'W_enc + b_enc). */
public final class StandardSae extends Sae {
    StandardSae(SaeConfig cfg, SaeWeights w) {
        super(cfg, w);
    }

    @Override
    float activate(int j, float dot) {
        return dot + w.bEnc()[j];
    }
}
