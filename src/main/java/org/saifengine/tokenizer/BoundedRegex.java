package org.saifengine.tokenizer;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a tokenizer.json's regex over a text within a budget. java.util.regex backtracks, so a hostile pattern can take
 * exponential time or overflow the stack on a short text: "(?s)(.*)(.*)...(.*)X" ran for over a minute on 41
 * characters, and "(?:y|z)+" overflowed the stack on 3,000 (found by review). The matcher reads the text through a
 * counter and gives up after {@link #MIN_READS} + {@link #READS_PER_CHAR} x length character reads (a short text: about 0.1 s);
 * either failure is one IllegalArgumentException naming the pattern.
 */
final class BoundedRegex {
    static final long MIN_READS = 10_000_000;
    static final long READS_PER_CHAR = 10_000;

    private BoundedRegex() {}

    /** Applies {@code matching} (find loops, replaceAll ...) to a matcher of the pattern over the text. */
    static <T> T match(Pattern pattern, String text, Function<Matcher, T> matching) {
        try {
            return matching.apply(pattern.matcher(new CountedText(text, pattern, MIN_READS + READS_PER_CHAR * text.length())));
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("the tokenizer's regex " + shown(pattern) + " recurses too deeply on a text of "
                    + text.length() + " characters");
        }
    }

    /**
     * Matcher.replaceAll by a literal, within the budget, sizing the result before each piece is added: a result over
     * {@code limit} characters is refused by {@link TextGrowth#require} before it is built.
     */
    static String replaceAll(Pattern pattern, String text, String content, long limit, String stage) {
        String literal = Matcher.quoteReplacement(content);
        return match(pattern, text, m -> {
            long length = text.length();
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                length += content.length() - (m.end() - m.start());
                TextGrowth.require(stage, length, limit);
                m.appendReplacement(out, literal);
            }
            return m.appendTail(out).toString();
        });
    }

    private static String shown(Pattern p) {
        String s = p.pattern();
        return "'" + (s.length() <= 80 ? s : s.substring(0, 80) + "...") + "'";
    }

    /** The text, counting the characters the matcher reads. */
    private static final class CountedText implements CharSequence {
        private final String text;
        private final Pattern pattern;
        private long readsLeft;

        CountedText(String text, Pattern pattern, long reads) {
            this.text = text;
            this.pattern = pattern;
            this.readsLeft = reads;
        }

        @Override
        public char charAt(int index) {
            if (--readsLeft < 0) {
                throw new IllegalArgumentException("the tokenizer's regex " + shown(pattern) + " takes over "
                        + (MIN_READS + READS_PER_CHAR * text.length()) + " steps on a text of " + text.length() + " characters");
            }
            return text.charAt(index);
        }

        @Override
        public int length() { return text.length(); }

        @Override
        public CharSequence subSequence(int start, int end) { return text.subSequence(start, end); }

        @Override
        public String toString() { return text; }
    }
}
