package org.saifengine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text into added-token matches and the plain text between them, leftmost match first and longest among
 * those starting at the same place (Hugging Face uses a leftmost-longest Aho-Corasick). lstrip/rstrip tokens absorb
 * the whitespace beside them; single_word tokens match only between non-word characters.
 */
final class AddedTokenSplitter {
    /** A piece of the input: an added token (token != null) or plain text. */
    record Segment(String text, AddedToken token, int offset) {}

    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

    AddedTokenSplitter(List<AddedToken> tokens) {
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) continue;
            byFirstChar.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
        }
        byFirstChar.values().forEach(l -> l.sort((a, b) -> b.content().length() - a.content().length()));
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    /** Splits text (which starts at offset base of the whole input). */
    List<Segment> split(String text, int base) {
        List<Segment> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            if (!text.isEmpty()) out.add(new Segment(text, null, base));
            return out;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken match = matchAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            int start = i, end = i + match.content().length();
            if (match.lstrip()) while (start > plainStart && Character.isWhitespace(text.charAt(start - 1))) start--;
            if (match.rstrip()) while (end < text.length() && Character.isWhitespace(text.charAt(end))) end++;
            if (start > plainStart) out.add(new Segment(text.substring(plainStart, start), null, base + plainStart));
            out.add(new Segment(text.substring(start, end), match, base + start));
            plainStart = i = end;
        }
        if (plainStart < text.length()) out.add(new Segment(text.substring(plainStart), null, base + plainStart));
        return out;
    }

    private AddedToken matchAt(String text, int i) {
        List<AddedToken> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) return null;
        for (AddedToken t : candidates) {
            if (!text.startsWith(t.content(), i)) continue;
            if (t.singleWord()) {
                int end = i + t.content().length();
                boolean before = i == 0 || !isWordChar(text.codePointBefore(i));
                boolean after = end == text.length() || !isWordChar(text.codePointAt(end));
                if (!before || !after) continue;
            }
            return t;
        }
        return null;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
