package org.saifengine.api;

import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.tokenizer.Tokenizer;
import org.saifengine.tokenizer.Tokenizers;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Streaming detokenisation with stop strings: pieces concatenate to the full decode, cut exactly before a stop. */
class TextStreamTest {
    static final String TEXT = "Once upon a time, there was a little girl named Lily. She liked to play.";

    static String stream(Tokenizer tok, int[] ids, List<String> stops, boolean[] stopped) {
        TextStream ts = new TextStream(tok, stops);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(ts.push(id));
            if (ts.stopped()) break;
        }
        sb.append(ts.finish());
        stopped[0] = ts.stopped();
        return sb.toString();
    }

    @Test
    void piecesJoinToTheDecodeAndStopStringsCutExactly() throws Exception {
        Tokenizer tok = Tokenizers.loadPath(SharedData.stories260K());
        int[] ids = tok.encode(TEXT, false);
        String full = tok.decode(ids, true);
        boolean[] stopped = new boolean[1];
        assertEquals(full, stream(tok, ids, List.of(), stopped));
        assertFalse(stopped[0]);
        // stops that span several tokens, start mid-token, or never occur
        for (String stop : List.of("girl named", "e was", "ily.", ". She", "zebra", "Once")) {
            String got = stream(tok, ids, List.of(stop), stopped);
            int at = full.indexOf(stop);
            assertEquals(at >= 0 ? full.substring(0, at) : full, got, "stop '" + stop + "'");
            assertEquals(at >= 0, stopped[0]);
        }
        // the earliest of several stops wins
        assertEquals(full.substring(0, full.indexOf("little")), stream(tok, ids, List.of("Lily", "little"), stopped));
    }

    @Test
    void textThatMightStartAStopIsHeldBackUntilItCannot() throws Exception {
        Tokenizer tok = Tokenizers.loadPath(SharedData.stories260K());
        int[] ids = tok.encode(TEXT, false);
        TextStream ts = new TextStream(tok, List.of("girl named Bob"));
        StringBuilder emitted = new StringBuilder();
        for (int id : ids) {
            emitted.append(ts.push(id));
            String decodedSoFar = emitted.toString();
            assertFalse(decodedSoFar.endsWith("girl"), "a possible stop prefix must not be emitted yet");
        }
        emitted.append(ts.finish());
        assertEquals(tok.decode(ids, true), emitted.toString());
    }
}
