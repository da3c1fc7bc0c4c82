package org.saifengine.saif;

/** Which prompt token(s) the latents are read at. */
public enum ReadPosition {
    /** the last token of the (chat-wrapped) prompt, the default */
    LAST,
    /** mean over every prompt token */
    PROMPT_MEAN;

    public static ReadPosition parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "last" -> LAST;
            case "prompt-mean", "prompt_mean" -> PROMPT_MEAN;
            default -> throw new IllegalArgumentException("read position must be last or prompt-mean, got '" + s + "'");
        };
    }

    public String id() {
        return this == LAST ? "last" : "prompt-mean";
    }
}
