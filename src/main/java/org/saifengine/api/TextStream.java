package org.saifengine.api;

import org.saifengine.tokenizer.StreamDecoder;
import org.saifengine.tokenizer.Tokenizer;

import java.util.List;

/**
 * Generated ids to text, piece by piece, with stop strings: text is released as soon as it can no longer be the start
 * of a stop string, and once a stop string appears everything from it on is dropped. Never emits half a UTF-8
 * character. Not thread-safe (one per generation).
 */
public final class TextStream {
    private final StreamDecoder decoder;
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public TextStream(Tokenizer tokenizer, List<String> stops) {
        this.decoder = tokenizer.streamDecoder(true);
        this.stops = stops == null ? List.of() : stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds a generated id; returns the text that is now final (often ""). */
    public String push(int id) {
        if (stopped) return "";
        pending.append(decoder.push(id));
        return release(false);
    }

    /** Whether a stop string has been seen (the caller should end generation). */
    public boolean stopped() { return stopped; }

    /** The rest of the text at the end of generation. */
    public String finish() {
        if (stopped) return "";
        pending.append(decoder.flush());
        return release(true);
    }

    private String release(boolean all) {
        int first = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) first = i;
        }
        if (first >= 0) {
            String out = pending.substring(0, first);
            pending.setLength(0);
            stopped = true;
            return out;
        }
        int hold = all ? 0 : heldBack();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of a stop string. */
    private int heldBack() {
        int best = 0;
        for (String s : stops) {
            for (int n = Math.min(s.length() - 1, pending.length()); n > best; n--) {
                if (pending.substring(pending.length() - n).equals(s.substring(0, n))) {
                    best = n;
                    break;
                }
            }
        }
        return best;
    }
}
