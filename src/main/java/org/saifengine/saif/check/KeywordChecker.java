package org.saifengine.saif.check;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A comma-separated list of at most {@code maxKeywords} keywords. Strict: the whole output (one line; a trailing
 * period allowed) is such a list, each item at most {@code maxWordsPerKeyword} words without sentence punctuation,
 * and at least {@code minOverlap} of the items share a content word with the content. Loose: some line of the
 * output, after dropping a label ("Keywords:") and bullets, is such a list with at least one item from the content.
 */
public record KeywordChecker(int maxKeywords, int maxWordsPerKeyword, double minOverlap) implements Checker {

    private static final Pattern LABEL = Pattern.compile("^(?:[-*•\\d.)\\s]*)(?:\\*\\*)?(?:key ?words?|key terms|tags)(?:\\*\\*)?\\s*[:：-]\\s*",
            Pattern.CASE_INSENSITIVE);

    @Override
    public CheckResult check(String output, String content) {
        String whole = output.strip();
        if (whole.isEmpty()) return new CheckResult(false, false, "empty output");
        List<String> strictItems = whole.contains("\n") ? null : parse(whole);
        double strictShare = strictItems == null ? 0 : share(strictItems, content);
        boolean strict = strictItems != null && strictShare >= minOverlap;
        boolean loose = strict;
        for (String line : whole.split("\\n")) {
            if (loose) break;
            List<String> items = parse(LABEL.matcher(line.strip()).replaceFirst(""));
            loose = items != null && share(items, content) > 0;
        }
        return new CheckResult(strict, loose, strictItems == null ? "not a single-line list"
                : String.format(java.util.Locale.ROOT, "%d items, %.2f from content", strictItems.size(), strictShare));
    }

    /** The items, or null when the text is not a list of 1..maxKeywords short items. */
    List<String> parse(String text) {
        String t = text.strip();
        if (t.endsWith(".")) t = t.substring(0, t.length() - 1);
        if (t.isEmpty()) return null;
        List<String> items = new ArrayList<>();
        for (String raw : t.split("[,，]")) {
            String item = raw.strip();
            if (item.isEmpty()) return null;
            if (item.matches(".*[.!?;:].*")) return null;
            int w = Text.words(item).size();
            if (w == 0 || w > maxWordsPerKeyword) return null;
            items.add(item);
        }
        return items.size() <= maxKeywords ? items : null;
    }

    private static double share(List<String> items, String content) {
        long hit = items.stream().filter(i -> Text.overlap(i, content) > 0).count();
        return (double) hit / items.size();
    }

    @Override
    public String describe() {
        return "keywords max=" + maxKeywords + " maxWordsPerKeyword=" + maxWordsPerKeyword + " minOverlap=" + minOverlap;
    }
}
