package org.saifengine.saif;

/**
 * Builds the user text of a prompt: content alone (negative / no-instruction), or content and instruction joined by
 * the task's separator in the given placement. Chat-template wrapping happens in the model session;
 * {@link #spanned} does both and keeps where the instruction lies.
 */
public final class PromptBuilder {
    private PromptBuilder() {}

    public static String userText(Task task, Content content, InstructionVariant variant, Placement placement) {
        if (variant == null) return content.text();
        return switch (placement) {
            case PRE -> variant.text() + task.separator() + content.text();
            case POST -> content.text() + task.separator() + variant.text();
        };
    }

    /**
     * The chat-wrapped prompt with the character span of its instruction (of its content when variant is null),
     * for {@link ReadPosition#INSTRUCTION_MEAN}.
     */
    public static SpannedPrompt spanned(LmSession lm, Task task, Content content, InstructionVariant variant, Placement placement) {
        String user = userText(task, content, variant, placement);
        String formatted = lm.formatPrompt(user);
        int at = formatted.indexOf(user);
        if (at < 0)
            throw new IllegalArgumentException("the chat template changed the user text, so the instruction cannot be located in the prompt");
        int start, end;
        if (variant == null) {
            start = 0;
            end = content.text().length();
        } else if (placement == Placement.PRE) {
            start = 0;
            end = variant.text().length();
        } else {
            start = user.length() - variant.text().length();
            end = user.length();
        }
        return new SpannedPrompt(formatted, at + start, at + end);
    }
}
