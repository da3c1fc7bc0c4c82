package org.saifengine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a growing id sequence piece by piece, as Hugging Face's DecodeStream does: it decodes a short window that
 * starts with already-emitted context (so the decoders' leading-space rules see the same neighbours as a full
 * decode) and emits only text that does not end in U+FFFD, i.e. never half a UTF-8 character. Not thread-safe.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private final List<Integer> window = new ArrayList<>();
    private String prefix = "";
    private int prefixIndex = 0;

    public StreamDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one id; returns the text it completes (often "", e.g. the first bytes of a multi-byte character). */
    public String push(int id) {
        window.add(id);
        String text = decodeWindow();
        if (text.length() <= prefix.length() || text.endsWith("\uFFFD") || !text.startsWith(prefix)) return "";
        String added = text.substring(prefix.length());
        int newPrefixIndex = window.size() - prefixIndex;
        window.subList(0, prefixIndex).clear();
        prefix = decodeWindow();
        prefixIndex = newPrefixIndex;
        return added;
    }

    /** The text still held back at the end of a stream (an incomplete character becomes U+FFFD). */
    public String flush() {
        String text = decodeWindow();
        String rest = text.startsWith(prefix) ? text.substring(prefix.length()) : "";
        window.clear();
        prefix = "";
        prefixIndex = 0;
        return rest;
    }

    private String decodeWindow() {
        int[] ids = new int[window.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = window.get(i);
        return tokenizer.decode(ids, skipSpecialTokens);
    }
}
