package org.saifengine.tokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Splits text on pattern matches with Hugging Face's SplitDelimiterBehavior; empty pieces are dropped. */
final class Splitter {
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    private Splitter() {}

    static Behavior behavior(String name) throws IOException {
        return switch (name) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw new IOException("unknown split behavior '" + name + "'");
        };
    }

    /** [start, end, isDelimiter] of the matches and the gaps between them. */
    private static List<int[]> spans(Matcher m, int length, boolean invert) {
        List<int[]> spans = new ArrayList<>();
        int prev = 0;
        while (m.find()) {
            if (m.start() == m.end()) continue;
            if (prev != m.start()) spans.add(new int[]{prev, m.start(), invert ? 1 : 0});
            spans.add(new int[]{m.start(), m.end(), invert ? 0 : 1});
            prev = m.end();
        }
        if (prev != length) spans.add(new int[]{prev, length, invert ? 1 : 0});
        return spans;
    }

    /** With invert the matches are the kept pieces and the gaps the delimiters. */
    static void split(String text, Pattern pattern, Behavior behavior, boolean invert, List<String> out) {
        List<int[]> spans = BoundedRegex.match(pattern, text, m -> spans(m, text.length(), invert));
        switch (behavior) {
            case REMOVED -> {
                for (int[] s : spans) if (s[2] == 0) out.add(text.substring(s[0], s[1]));
            }
            case ISOLATED -> {
                for (int[] s : spans) out.add(text.substring(s[0], s[1]));
            }
            case CONTIGUOUS -> {
                List<int[]> acc = new ArrayList<>();
                boolean previous = false;
                for (int[] sp : spans) {
                    boolean match = sp[2] == 1;
                    if (match == previous && !acc.isEmpty()) acc.getLast()[1] = sp[1];
                    else acc.add(new int[]{sp[0], sp[1]});
                    previous = match;
                }
                for (int[] sp : acc) out.add(text.substring(sp[0], sp[1]));
            }
            case MERGED_WITH_PREVIOUS -> {
                List<int[]> acc = new ArrayList<>();
                boolean previous = false;
                for (int[] sp : spans) {
                    boolean match = sp[2] == 1;
                    if (match && !previous && !acc.isEmpty()) acc.getLast()[1] = sp[1];
                    else acc.add(new int[]{sp[0], sp[1]});
                    previous = match;
                }
                for (int[] sp : acc) out.add(text.substring(sp[0], sp[1]));
            }
            case MERGED_WITH_NEXT -> {
                List<int[]> acc = new ArrayList<>();
                boolean previous = false;
                for (int i = spans.size() - 1; i >= 0; i--) {
                    int[] sp = spans.get(i);
                    boolean match = sp[2] == 1;
                    if (match && !previous && !acc.isEmpty()) acc.getLast()[0] = sp[0];
                    else acc.add(new int[]{sp[0], sp[1]});
                    previous = match;
                }
                for (int i = acc.size() - 1; i >= 0; i--) out.add(text.substring(acc.get(i)[0], acc.get(i)[1]));
            }
        }
    }
}
