package org.saifengine.saif.check;

/** A rule-based checker of one task's outputs. */
public interface Checker {
    /**
     * @param output  the model's generated text
     * @param content the content the prompt was built around (for overlap checks)
     */
    CheckResult check(String output, String content);

    /** The spec this checker was built from, for config files. */
    String describe();
}
