package org.saifengine.server;

import org.saifengine.sae.Sae;
import org.saifengine.sae.SparseCode;

/** A loaded {@link Sae} under the name requests use. */
record SaeDictionary(String name, Sae sae, String hookPoint) implements Registry.Dictionary {
    @Override
    public int dIn() { return sae.dIn(); }

    @Override
    public int dSae() { return sae.dSae(); }

    @Override
    public float[] decoderRow(int latent) { return sae.decoderRow(latent); }

    @Override
    public Registry.Latents encode(float[] x, int top) {
        SparseCode c = sae.encode(new float[][]{x}, top)[0];
        return new Registry.Latents(c.indices(), c.values());
    }

    @Override
    public float[] activations(float[] x, int[] latents) {
        SparseCode c = sae.encode(new float[][]{x}, 0)[0];
        float[] out = new float[latents.length];
        for (int i = 0; i < latents.length; i++) {
            for (int m = 0; m < c.indices().length; m++) {
                if (c.indices()[m] == latents[i]) {
                    out[i] = c.values()[m];
                    break;
                }
            }
        }
        return out;
    }
}
