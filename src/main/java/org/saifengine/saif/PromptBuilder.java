package org.saifengine.saif;

/**
 * Builds the user text of a prompt: content alone (negative / no-instruction), or content and instruction joined by
 * the task's separator in the given placement. Chat-template wrapping happens later, in the model session.
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
}
