package org.saifengine.saif.check;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small text helpers the checkers share: sentences, words, content words. */
public final class Text {
    private Text() {}

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+(?:['’-][\\p{L}\\p{N}]+)*");
    // A sentence ends at . ! ? (or their CJK forms) followed by space/end, or at a line break.
    private static final Pattern SENTENCE_SPLIT = Pattern.compile("(?<=[.!?。！？])\\s+|\\n+");

    private static final Set<String> STOPWORDS = Set.of(
            "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as", "is",
            "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "he", "she",
            "they", "them", "his", "her", "their", "we", "you", "i", "not", "no", "so", "than", "then", "there", "which",
            "who", "whom", "what", "when", "where", "while", "also", "into", "over", "about", "after", "before", "has",
            "have", "had", "do", "does", "did", "can", "could", "will", "would", "should", "may", "might", "all", "some",
            "more", "most", "other", "such", "only", "very", "up", "out", "each", "both", "one", "our", "my", "your");

    public static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(s);
        while (m.find()) out.add(m.group());
        return out;
    }

    public static List<String> sentences(String s) {
        List<String> out = new ArrayList<>();
        for (String part : SENTENCE_SPLIT.split(s.strip())) {
            if (!words(part).isEmpty()) out.add(part.strip());
        }
        return out;
    }

    /** Lower-cased words that are not stopwords and have at least 3 letters. */
    public static Set<String> contentWords(String s) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : words(s)) {
            String l = w.toLowerCase(Locale.ROOT);
            if (l.length() >= 3 && !STOPWORDS.contains(l)) out.add(stem(l));
        }
        return out;
    }

    /** A crude suffix strip so that "bees"/"bee" and "walking"/"walk" meet in overlap checks. */
    static String stem(String w) {
        for (String suf : new String[]{"ing", "ed", "es", "s"}) {
            if (w.length() > suf.length() + 3 && w.endsWith(suf)) return w.substring(0, w.length() - suf.length());
        }
        return w;
    }

    /** Share of a's content words that occur in b (0 when a has none). */
    public static double overlap(String a, String b) {
        Set<String> wa = contentWords(a);
        if (wa.isEmpty()) return 0;
        Set<String> wb = contentWords(b);
        long hit = wa.stream().filter(wb::contains).count();
        return (double) hit / wa.size();
    }
}
