package org.saifengine.model;

/**
 * A place in the forward pass where activations can be captured or changed, named as TransformerLens names it:
 * {@code blocks.L.hook_resid_pre} (block input), {@code hook_attn_out} (what attention adds to the residual, after
 * Gemma-2's post-attention norm), {@code hook_resid_mid}, {@code hook_mlp_out}, {@code hook_resid_post} (block
 * output, before the final norm). Every point carries a d_model vector per token.
 */
public record HookPoint(int layer, Kind kind) {
    public enum Kind {
        RESID_PRE("hook_resid_pre"), ATTN_OUT("hook_attn_out"), RESID_MID("hook_resid_mid"),
        MLP_OUT("hook_mlp_out"), RESID_POST("hook_resid_post");

        public final String tlName;

        Kind(String tlName) {
            this.tlName = tlName;
        }
    }

    public HookPoint {
        if (layer < 0) throw new IllegalArgumentException("hook layer must be >= 0, got " + layer);
        if (kind == null) throw new IllegalArgumentException("hook kind is null");
    }

    public static HookPoint residPost(int layer) { return new HookPoint(layer, Kind.RESID_POST); }

    public static HookPoint residPre(int layer) { return new HookPoint(layer, Kind.RESID_PRE); }

    /** Parses "blocks.L.hook_X"; a bad name is an IllegalArgumentException listing the valid forms. */
    public static HookPoint parse(String name) {
        String[] parts = name == null ? new String[0] : name.split("\\.");
        if (parts.length == 3 && parts[0].equals("blocks")) {
            int layer;
            try {
                layer = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                layer = -1;
            }
            for (Kind k : Kind.values()) {
                if (k.tlName.equals(parts[2]) && layer >= 0) return new HookPoint(layer, k);
            }
        }
        throw new IllegalArgumentException("unknown hook point '" + name + "' (expected blocks.<layer>.<hook> with hook one of "
                + "hook_resid_pre, hook_attn_out, hook_resid_mid, hook_mlp_out, hook_resid_post)");
    }

    @Override
    public String toString() {
        return "blocks." + layer + "." + kind.tlName;
    }
}
