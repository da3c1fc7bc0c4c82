package org.saifengine.sae;

import java.nio.file.Path;

/**
 * Where scripts/train-default-sae puts the default SAE of the default model (SmolLM2-135M-Instruct, final layer's
 * residual stream, d_sae 4608, k 32): ${SAIF_ENGINE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/saif-engine}/saes/...
 */
public final class DefaultSae {
    public static final String MODEL = "SmolLM2-135M-Instruct";
    public static final String HOOK = "blocks.29.hook_resid_post";
    public static final int D_SAE = 4608;
    public static final int K = 32;

    private DefaultSae() {}

    public static Path cacheRoot() {
        String cache = System.getenv("SAIF_ENGINE_CACHE");
        if (cache != null && !cache.isEmpty()) return Path.of(cache);
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("saif-engine");
    }

    /** The directory of the default SAE (SAELens format). */
    public static Path path() {
        return cacheRoot().resolve("saes").resolve(MODEL).resolve(HOOK);
    }
}
