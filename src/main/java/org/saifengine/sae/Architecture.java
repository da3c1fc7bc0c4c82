package org.saifengine.sae;

import java.util.Locale;

/** SAE activation families. BatchTopK SAEs are stored (by SAELens and by us) as JumpReLU with a uniform threshold. */
public enum Architecture {
    STANDARD("standard"), JUMPRELU("jumprelu"), TOPK("topk"), GATED("gated");

    /** The name SAELens writes in cfg.json. */
    public final String saeLensName;

    Architecture(String saeLensName) {
        this.saeLensName = saeLensName;
    }

    public static Architecture parse(String name) {
        if (name == null) throw new IllegalArgumentException("SAE architecture is missing");
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "standard", "relu" -> STANDARD;
            case "jumprelu", "jump_relu", "batchtopk", "batch_topk" -> JUMPRELU;
            case "topk", "top_k" -> TOPK;
            case "gated" -> GATED;
            default -> throw new IllegalArgumentException("unknown SAE architecture '" + name
                    + "' (supported: standard, jumprelu, topk, gated, batchtopk saved as jumprelu)");
        };
    }
}
