package org.saifengine.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Coverage-guided fuzzing of tokenizer.json (+ tokenizer_config.json) loading (issue 9). The input is the
 * tokenizer.json text, optionally followed by a NUL byte and a tokenizer_config.json text. Any input must give a
 * tokenizer or one IOException / IllegalArgumentException with a message; a tokenizer that loads must then encode
 * and decode any text (ids within [0, vocabSize)) and render its chat template, or refuse a text, a decode or a
 * render with an IllegalArgumentException (a stage growing the text past TextGrowth, a regex past BoundedRegex). Seeds: TokenizerJsonFuzzTestInputs/ (written by the `tokenizers` library,
 * scripts/gen-parser-fuzz-seeds.py) and, when fuzzing, stories260K's files in ../shared (scripts/fuzz-seeds).
 */
class TokenizerJsonFuzzTest {
    private static final List<String> TEXTS = List.of("Hello wörld 🦙 <s> <|im_end|> 漢字\n\t 12", "", " ", "\u0000\uFFFD");

    @FuzzTest(maxDuration = "30s")
    void tokenizerJson(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        int nul = text.indexOf('\0');
        Tokenizer tok;
        try {
            JsonNode json = Json.parse(nul < 0 ? text : text.substring(0, nul), "tokenizer.json");
            JsonNode config = nul < 0 ? null : Json.parse(text.substring(nul + 1), "tokenizer_config.json");
            tok = Tokenizers.fromJson(json, config);
        } catch (IOException | IllegalArgumentException e) {
            requireMessage(e);
            return;
        }
        for (String t : TEXTS) {
            for (boolean special : new boolean[]{true, false}) {
                int[] ids;
                try {
                    ids = tok.encode(t, special);
                } catch (IllegalArgumentException e) { // a stage that multiplies the text past its bound, a runaway regex
                    requireMessage(e);
                    continue;
                }
                for (int id : ids) {
                    if (id < 0 || id >= tok.vocabSize()) throw new AssertionError("id " + id + " outside [0, " + tok.vocabSize() + ")");
                    tok.tokenText(id);
                }
                decode(tok, ids, false);
                decode(tok, ids, true);
            }
        }
        decode(tok, new int[]{0, tok.vocabSize() - 1}, false);
        tok.chatTemplate().ifPresent(ct -> {
            try {
                ct.render(List.of(new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello")), true);
            } catch (IllegalArgumentException e) {
                requireMessage(e);
            }
        });
    }

    /** Decodes, or refuses a decoder chain that grows the text past its bound (IllegalArgumentException). */
    private static void decode(Tokenizer tok, int[] ids, boolean skipSpecial) {
        try {
            tok.decode(ids, skipSpecial);
        } catch (IllegalArgumentException e) {
            requireMessage(e);
        }
    }

    static void requireMessage(Exception e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("error without a message", e);
    }
}
