package org.saifengine.tokenizer;

import java.util.function.Consumer;

/**
 * Exact speed-up for BPE without a pre-tokenizer (SentencePiece style, where a whole text is one piece): if no
 * vocabulary token has a '▁' right after another character that is not '▁', no merge can ever span such a place,
 * so the piece can be cut there and each word encoded (and cached) on its own with the same result.
 */
final class MetaspaceWords {
    static final char META = '\u2581';

    private MetaspaceWords() {}

    /** Whether cutting before each '▁' that follows a non-'▁' character preserves the encoding. */
    static boolean safeToSplit(Iterable<String> tokens) {
        for (String t : tokens) {
            for (int i = 1; i < t.length(); i++) if (t.charAt(i) == META && t.charAt(i - 1) != META) return false;
        }
        return true;
    }

    static void forEachWord(String text, Consumer<String> word) {
        int start = 0;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == META && text.charAt(i - 1) != META) {
                word.accept(text.substring(start, i));
                start = i;
            }
        }
        if (start < text.length()) word.accept(text.substring(start));
    }
}
