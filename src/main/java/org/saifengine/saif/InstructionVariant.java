package org.saifengine.saif;

/**
 * One wording of a task's instruction.
 *
 * @param id       stable id, e.g. "en-0" or "fr"
 * @param language ISO 639-1 code of the wording's language
 * @param text     the instruction itself
 */
public record InstructionVariant(String id, String language, String text) {
    public InstructionVariant {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("instruction variant " + id + " is empty");
    }
}
