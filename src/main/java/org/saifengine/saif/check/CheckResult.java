package org.saifengine.saif.check;

/**
 * A checker's verdict on one output.
 *
 * @param strict the output fully satisfies the instruction
 * @param loose  the output satisfies it in part (per-task definition, see each checker)
 * @param detail one short line saying why (for reports)
 */
public record CheckResult(boolean strict, boolean loose, String detail) {
    public CheckResult {
        if (strict && !loose) throw new IllegalArgumentException("a strict pass must also be a loose pass");
    }
}
