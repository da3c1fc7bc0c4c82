package org.saifengine.saif;

/**
 * A prompt as fed to the tokenizer (already chat-wrapped) and the characters of its instruction in it: the span
 * that {@link ReadPosition#INSTRUCTION_MEAN} averages over. For a prompt without an instruction the span is the
 * content.
 *
 * @param text      the formatted prompt
 * @param spanStart first character of the span in text
 * @param spanEnd   one past its last character
 */
public record SpannedPrompt(String text, int spanStart, int spanEnd) {
    public SpannedPrompt {
        if (spanStart < 0 || spanEnd > text.length() || spanStart >= spanEnd)
            throw new IllegalArgumentException("prompt span [" + spanStart + ", " + spanEnd + ") is empty or outside the "
                    + text.length() + " characters of the prompt");
    }

    /** The span's text. */
    public String span() {
        return text.substring(spanStart, spanEnd);
    }
}
