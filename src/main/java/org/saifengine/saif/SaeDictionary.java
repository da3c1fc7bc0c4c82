package org.saifengine.saif;

import org.saifengine.model.HookPoint;
import org.saifengine.sae.Sae;
import org.saifengine.sae.format.SaeFormats;

import java.io.IOException;
import java.nio.file.Path;

/** {@link LatentDictionary} over an engine {@link Sae} (any format the SAE package loads). */
public final class SaeDictionary implements LatentDictionary {
    private final Sae sae;
    private final String id;
    private final int layer;

    public SaeDictionary(Sae sae, String id, int layer) {
        this.sae = sae;
        this.id = id;
        this.layer = layer;
    }

    /**
     * Loads an SAE; its layer comes from the hook name it was trained on (which must be a resid_post hook), or from
     * {@code layerOverride} (>= 0) when the format does not record one.
     */
    public static SaeDictionary load(Path path, int layerOverride) throws IOException {
        return load(path, layerOverride, null);
    }

    /** As {@link #load(Path, int)}, refusing an SAE that does not fit in the budget (null: the memory available now). */
    public static SaeDictionary load(Path path, int layerOverride, org.saifengine.tensor.MemoryBudget budget) throws IOException {
        Sae sae = SaeFormats.load(path, budget);
        String hook = sae.config().hookName();
        int layer;
        if (layerOverride >= 0) {
            layer = layerOverride;
        } else if (hook == null || hook.isBlank()) {
            throw new IllegalArgumentException("the SAE at " + path + " does not say which hook it reads; pass --sae-layer L");
        } else {
            HookPoint hp = HookPoint.parse(hook);
            if (hp.kind() != HookPoint.Kind.RESID_POST)
                throw new IllegalArgumentException("SAIF reads resid_post, but the SAE at " + path + " reads " + hook
                        + "; pass --sae-layer L to use it at blocks.L.hook_resid_post anyway");
            layer = hp.layer();
        }
        return new SaeDictionary(sae, path.getFileName().toString(), layer);
    }

    public Sae sae() {
        return sae;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int dIn() {
        return sae.dIn();
    }

    @Override
    public int dSae() {
        return sae.dSae();
    }

    @Override
    public int layer() {
        return layer;
    }

    @Override
    public float[] encode(float[] residual) {
        return sae.encode(residual).toDense(sae.dSae());
    }

    @Override
    public float[] decoderRow(int j) {
        if (j < 0 || j >= sae.dSae()) throw new IllegalArgumentException("latent " + j + " is outside 0.." + (sae.dSae() - 1));
        return sae.decoderRow(j);
    }
}
