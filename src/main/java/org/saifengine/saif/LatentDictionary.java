package org.saifengine.saif;

/** What SAIF needs from a sparse autoencoder: its place in the model, encoding, decoder rows. */
public interface LatentDictionary {
    String id();

    int dIn();

    int dSae();

    /** The model layer whose resid_post the SAE reads. */
    int layer();

    /** Dense latent activations of one residual vector. */
    float[] encode(float[] residual);

    /** Decoder row j (d_in floats), in the residual stream's units. */
    float[] decoderRow(int j);
}
