package org.saifengine.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the regexes of tokenizer.json (written for Oniguruma / Python) with java.util.regex. Java already knows
 * the constructs these patterns use ({@code \p{L}}, {@code (?i:...)}, possessive and atomic forms, lookahead); what
 * differs is that Java's {@code \s}, {@code \d}, {@code \w} are ASCII-only unless UNICODE_CHARACTER_CLASS is set,
 * and a few spellings ({@code \p{Letter}}-style long names, {@code \h}) that are rewritten here.
 */
final class PythonRegex {
    private PythonRegex() {}

    static Pattern compile(String regex) {
        String java = regex
                .replace("\\p{Letter}", "\\p{L}")
                .replace("\\p{Number}", "\\p{N}")
                .replace("\\p{Mark}", "\\p{M}")
                .replace("\\p{Punctuation}", "\\p{P}")
                .replace("\\p{Symbol}", "\\p{S}");
        try {
            return Pattern.compile(java, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("unsupported tokenizer regex " + regex + ": " + e.getDescription());
        }
    }
}
