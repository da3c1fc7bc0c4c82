package org.saifengine.steer;

import java.util.Locale;

/**
 * Which sequence positions a steering vector is added at. With a prompt of n tokens, position n-1 (the last prompt
 * token) produces the first generated token, so "generated" means positions >= n-1: every position whose output is
 * a generated token. "from-step" starts s generation steps later (positions >= n-1+s).
 */
public enum Positions {
    ALL, PROMPT, GENERATED, FROM_STEP;

    public static Positions parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "all" -> ALL;
            case "prompt" -> PROMPT;
            case "generated" -> GENERATED;
            case "from-step", "from_step" -> FROM_STEP;
            default -> throw new IllegalArgumentException("positions must be all, prompt, generated or from-step, got '" + s + "'");
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether position {@code pos} of a sequence with an n-token prompt is steered. */
    public boolean covers(int pos, int promptLength, int fromStep) {
        return switch (this) {
            case ALL -> true;
            case PROMPT -> pos < promptLength;
            case GENERATED -> pos >= promptLength - 1;
            case FROM_STEP -> pos >= promptLength - 1 + fromStep;
        };
    }
}
