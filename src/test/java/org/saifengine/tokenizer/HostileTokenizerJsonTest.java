package org.saifengine.tokenizer;

import org.junit.jupiter.api.Test;
import org.saifengine.io.Json;

import java.io.IOException;
import java.time.Duration;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tokenizer.json stages that would hang or exhaust the heap (found by review of TokenizerJsonFuzzTest): each is
 * refused at load or gives one IllegalArgumentException, at once. Before, each took from seconds to forever.
 */
class HostileTokenizerJsonTest {
    private static final Duration AT_ONCE = Duration.ofSeconds(20);

    private static Tokenizer load(String stages) throws IOException {
        return Tokenizers.fromJson(Json.parse("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"y\": 2}, "
                + "\"merges\": [], \"byte_fallback\": false}, " + stages + "}", "test"), null);
    }

    private static String times(int n, String step) {
        return String.join(",", Collections.nCopies(n, step));
    }

    private static void refusedAtLoad(String stages, String expected) {
        IOException e = assertThrows(IOException.class, () -> load(stages));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void oneCharacterFieldsMustBeOneCharacter() {
        // Strip with content "" looped start (2^31) times per token; Metaspace "" doubled the text per decoder
        refusedAtLoad("\"decoder\": {\"type\": \"Strip\", \"content\": \"\", \"start\": 2147483647, \"stop\": 0}",
                "Strip 'content' must be one character, got \"\"");
        refusedAtLoad("\"decoder\": {\"type\": \"Sequence\", \"decoders\": [" + times(40, "{\"type\": \"Metaspace\", \"replacement\": \"\"}") + "]}",
                "Metaspace 'replacement' must be one character");
        refusedAtLoad("\"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"  \", \"split\": false}",
                "Metaspace 'replacement' must be one character, got \"  \"");
    }

    @Test
    void vocabIdsMustBe32BitIntegers() {
        // 2^32 was read as id 0 (found by review)
        IOException e = assertThrows(IOException.class, () -> Tokenizers.fromJson(Json.parse(
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 4294967296}, \"merges\": []}}", "test"), null));
        assertTrue(e.getMessage().contains("vocab id of 'a' is not a 32-bit integer: 4294967296"), e.getMessage());
    }

    @Test
    void stripDecoderStopsAtTheToken() throws IOException {
        Tokenizer t = load("\"decoder\": {\"type\": \"Strip\", \"content\": \"a\", \"start\": 2147483647, \"stop\": 2147483647}");
        assertEquals("b", assertTimeoutPreemptively(AT_ONCE, () -> t.decode(new int[] {0, 1, 0})));
    }

    @Test
    void decodersAndPreTokenizersThatMultiplyTheTextAreRefused() throws IOException {
        Tokenizer replace = load("\"decoder\": {\"type\": \"Sequence\", \"decoders\": ["
                + times(6, "{\"type\": \"Replace\", \"pattern\": {\"String\": \"\"}, \"content\": \"" + "x".repeat(200) + "\"}") + "]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> replace.decode(new int[] {0, 1}));
        assertTrue(e.getMessage().startsWith("the tokenizer's Replace decoder would make "), e.getMessage());

        Tokenizer byteLevel = load("\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": ["
                + times(40, "{\"type\": \"ByteLevel\", \"use_regex\": false}") + "]}");
        e = assertThrows(IllegalArgumentException.class, () -> assertTimeoutPreemptively(AT_ONCE, () -> byteLevel.encode("wörld", false)));
        assertTrue(e.getMessage().startsWith("the tokenizer's pre-tokenizer Sequence would make "), e.getMessage());
    }

    @Test
    void runawayRegexesAreRefused() throws IOException {
        // polynomial backtracking: over a minute for 41 characters
        Tokenizer backtracks = load("\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(?s)" + "(.*)".repeat(10) + "X\"}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> assertTimeoutPreemptively(AT_ONCE, () -> backtracks.encode("Hello wörld <s> <|im_end|> 12 and some more", false)));
        assertTrue(e.getMessage().contains("takes over") && e.getMessage().contains("(?s)(.*)(.*)"), e.getMessage());
        // a group repeated once per character recurses once per character: StackOverflowError
        Tokenizer recurses = load("\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(?:y|z)+\"}}");
        e = assertThrows(IllegalArgumentException.class, () -> recurses.encode("y".repeat(200_000), false));
        assertTrue(e.getMessage().contains("recurses too deeply on a text of 200000 characters"), e.getMessage());
    }

    @Test
    void sentencePieceCollapsesLongRunsOfSpacesInLinearTime() throws IOException {
        // remove_extra_whitespaces trimmed with "\\A +| +\\z", quadratic in a run: 80k spaces took 4.2 s, 200k about 26 s
        byte[] model = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(
                "src/test/resources/org/saifengine/tokenizer/TokenizerFuzzTestInputs/sentencePieceModel/tiny_bpe_byte_fallback"));
        SentencePieceModelFile file = SentencePieceModelFile.parse(model);
        assertTrue(file.removeExtraWhitespaces());
        Tokenizer sp = SentencePieceLoader.load(file, TokenizerConfig.EMPTY);
        String spaced = " ".repeat(200_000) + "a" + " ".repeat(200_000) + "b" + " ".repeat(200_000);
        assertEquals(java.util.Arrays.toString(sp.encode("a b")),
                java.util.Arrays.toString(assertTimeoutPreemptively(AT_ONCE, () -> sp.encode(spaced))));
    }
}
