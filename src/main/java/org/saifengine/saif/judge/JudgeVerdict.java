package org.saifengine.saif.judge;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A judge's answer on one output: strict and loose verdicts, or neither when the answer could not be parsed.
 *
 * @param strict null when unparsed
 * @param loose  null when unparsed; a strict pass counts as a loose pass (the prompt says so), whatever the judge wrote
 * @param answer the judge's raw answer
 */
public record JudgeVerdict(Boolean strict, Boolean loose, String answer) {
    private static final Pattern STRICT = Pattern.compile("(?i)\\bstrict\\b[^a-z\\n]{0,8}(yes|no)\\b");
    private static final Pattern LOOSE = Pattern.compile("(?i)\\bloose\\b[^a-z\\n]{0,8}(yes|no)\\b");

    public boolean parsed() {
        return strict != null && loose != null;
    }

    /** Reads "STRICT: yes|no" and "LOOSE: yes|no" (case, markdown and separators tolerated; first mention wins). */
    public static JudgeVerdict parse(String answer) {
        Boolean s = find(STRICT, answer), l = find(LOOSE, answer);
        if (s == null || l == null) return new JudgeVerdict(null, null, answer);
        return new JudgeVerdict(s, l || s, answer);
    }

    private static Boolean find(Pattern p, String text) {
        Matcher m = p.matcher(text == null ? "" : text);
        return m.find() ? m.group(1).equalsIgnoreCase("yes") : null;
    }
}
