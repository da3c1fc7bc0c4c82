package org.saifengine.saif;

/**
 * Which prompt token(s) the latents are read at (saif-method.md step 1). Every choice reads the residual averaged
 * over one token range of the prompt (a single token for {@link #LAST}), then encodes that vector with the SAE.
 */
public enum ReadPosition {
    /** the last token of the (chat-wrapped) prompt, the default */
    LAST,
    /**
     * mean over the tokens of the instruction text inside the prompt; a prompt without an instruction (a negative, or
     * the no-instruction condition) is read over its content's tokens instead, the text the instruction would join
     */
    INSTRUCTION_MEAN,
    /** mean over every prompt token (chat-template tokens included) */
    PROMPT_MEAN;

    public static ReadPosition parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "last" -> LAST;
            case "instruction-mean", "instruction_mean" -> INSTRUCTION_MEAN;
            case "prompt-mean", "prompt_mean" -> PROMPT_MEAN;
            default -> throw new IllegalArgumentException("read position must be last, instruction-mean or prompt-mean, got '" + s + "'");
        };
    }

    public String id() {
        return switch (this) {
            case LAST -> "last";
            case INSTRUCTION_MEAN -> "instruction-mean";
            case PROMPT_MEAN -> "prompt-mean";
        };
    }
}
