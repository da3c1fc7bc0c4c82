package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.SharedData;
import org.saifengine.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Stream decoding, chat templates through the interface, and clear errors for bad tokenizer files. */
class TokenizerBehaviourTest {

    @Test
    void streamDecoderNeverSplitsUtf8AndMatchesFullDecode() throws Exception {
        for (Tokenizer tok : List.of(Tokenizers.loadPath(SharedData.stories260K()),
                Tokenizers.fromVocabAndMerges(SharedData.path("tokenizers/gpt2/gpt2_vocab.json"),
                        SharedData.path("tokenizers/gpt2/gpt2_merges.txt")))) {
            String text = "Once upon a time 🦙 naïve café – “quotes” 漢字 123";
            int[] ids = tok.encode(text, false);
            StreamDecoder sd = tok.streamDecoder();
            StringBuilder sb = new StringBuilder();
            int emptyPushes = 0;
            for (int id : ids) {
                String piece = sd.push(id);
                assertFalse(piece.contains("\uFFFD"), "half a character emitted: " + piece);
                if (piece.isEmpty()) emptyPushes++;
                sb.append(piece);
            }
            sb.append(sd.flush());
            assertEquals(tok.decode(ids), sb.toString());
            assertEquals(text, sb.toString());
            assertTrue(emptyPushes > 0, "the emoji is several byte tokens, so some pushes must wait");
        }
    }

    @Test
    void concurrentEncodingGivesTheSameIds() throws Exception {
        Tokenizer tok = Tokenizers.fromVocabAndMerges(SharedData.path("tokenizers/gpt2/gpt2_vocab.json"),
                SharedData.path("tokenizers/gpt2/gpt2_merges.txt"));
        String text = Files.readString(SharedData.path("data/text/tinystories_sample.txt"));
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        List<int[]> expected = lines.stream().map(l -> tok.encode(l, false)).toList();
        Tokenizer fresh = Tokenizers.fromVocabAndMerges(SharedData.path("tokenizers/gpt2/gpt2_vocab.json"),
                SharedData.path("tokenizers/gpt2/gpt2_merges.txt")); // empty cache, filled concurrently
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    for (int i = 0; i < lines.size(); i++)
                        if (!Arrays.equals(expected.get(i), fresh.encode(lines.get(i), false))) return false;
                    return true;
                }));
            }
            for (var r : results) assertTrue(r.get());
        }
    }

    @Test
    void specialTokensSkippedOrRendered() throws Exception {
        Tokenizer tok = Tokenizers.loadPath(SharedData.stories260K());
        int[] ids = tok.encode("Hello</s> world");
        assertEquals(1, ids[0]);
        assertTrue(Arrays.stream(ids).anyMatch(i -> i == 2), "</s> in text is the special token");
        assertTrue(tok.decode(ids).contains("</s>"));
        assertFalse(tok.decode(ids, true).contains("</s>"));
        assertTrue(tok.isSpecial(1));
        assertFalse(tok.isSpecial(300));
        assertEquals("<s>", tok.tokenText(1));
        assertEquals(512, tok.vocabSize());
    }

    @Test
    void chatTemplateRendersWithBosAndRejectsBadRoles(@TempDir Path dir) throws Exception {
        Files.copy(SharedData.stories260K().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        String gemma = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != "
                + "(loop.index0 % 2 == 0) %}{{ raise_exception('roles must alternate') }}{% endif %}"
                + "{{ '<start_of_turn>' + message['role'] + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
                + "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}";
        Files.writeString(dir.resolve("tokenizer_config.json"), Json.write(Json.MAPPER.createObjectNode()
                .put("bos_token", "<s>").put("eos_token", "</s>").put("chat_template", gemma)));
        ChatTemplate t = Tokenizers.loadPath(dir).chatTemplate().orElseThrow();
        assertEquals("<s><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
                t.render(List.of(new ChatMessage("user", "  Hi ")), true));
        var e = assertThrows(IllegalArgumentException.class,
                () -> t.render(List.of(new ChatMessage("assistant", "x")), false));
        assertTrue(e.getMessage().contains("roles must alternate"), e.getMessage());
    }

    @Test
    void malformedTokenizerJsonIsAClearError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {");
        IOException e = assertThrows(IOException.class, () -> Tokenizers.loadPath(dir));
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
    }

    @Test
    void unknownModelTypeIsAClearError() throws IOException {
        JsonNode json = Json.parse("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}}", "test");
        IOException e = assertThrows(IOException.class, () -> Tokenizers.fromJson(json, null));
        assertTrue(e.getMessage().contains("unsupported tokenizer model type 'Unigram'"), e.getMessage());
    }

    /** A tokenizer whose normalizer is n Replace steps, each putting ten spaces where there was one. */
    private static Tokenizer spaceMultiplier(int n) throws IOException {
        String step = "{\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"          \"}";
        return Tokenizers.fromJson(Json.parse("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \" \": 1}, \"merges\": []},"
                + "\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [" + String.join(",", java.util.Collections.nCopies(n, step))
                + "]}}", "test"), null);
    }

    @Test
    void normalizersThatMultiplyTheTextAreRefusedBeforeTheyBuildIt() throws IOException {
        // 10^6 times the spaces after six steps (found by TokenizerJsonFuzzTest: a 40-character prompt normalized to
        // 2.6M characters, seconds per encode; a few more steps would exhaust the heap)
        Tokenizer six = spaceMultiplier(6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> six.encode("a a a a", false));
        assertTrue(e.getMessage().startsWith("the tokenizer's Replace normalizer would make "), e.getMessage());
        assertTrue(e.getMessage().contains("(at most 4544: 64 times the text given + 4096)"), e.getMessage());
        // growth within the bound still normalizes: 3 spaces become 3000 in three steps
        assertEquals(3004, spaceMultiplier(3).encode("a a a a", false).length);
    }

    @Test
    void unknownPreTokenizerAndBadMergesAreClearErrors() throws IOException {
        JsonNode pre = Json.parse("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []},"
                + "\"pre_tokenizer\": {\"type\": \"Bogus\"}}", "test");
        IOException e = assertThrows(IOException.class, () -> Tokenizers.fromJson(pre, null));
        assertTrue(e.getMessage().contains("unsupported pre_tokenizer type 'Bogus'"), e.getMessage());
        JsonNode merges = Json.parse("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, "
                + "\"merges\": [\"a b\"]}}", "test");
        e = assertThrows(IOException.class, () -> Tokenizers.fromJson(merges, null));
        assertTrue(e.getMessage().contains("makes a token not in the vocab"), e.getMessage());
        JsonNode noModel = Json.parse("{\"version\": \"1.0\"}", "test");
        e = assertThrows(IOException.class, () -> Tokenizers.fromJson(noModel, null));
        assertTrue(e.getMessage().contains("no \"model\""), e.getMessage());
    }

    @Test
    void truncatedSentencePieceModelIsAClearError(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(SharedData.path("tokenizers/llama2/tokenizer.model"));
        Path cut = dir.resolve("tokenizer.model");
        Files.write(cut, Arrays.copyOf(full, full.length / 2));
        IOException e = assertThrows(IOException.class, () -> Tokenizers.loadPath(cut));
        assertTrue(e.getMessage().startsWith("invalid SentencePiece model"), e.getMessage());
    }

    @Test
    void directoryWithoutTokenizerIsAClearError(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> Tokenizers.loadPath(dir));
        assertTrue(e.getMessage().contains("no tokenizer.json or tokenizer.model"), e.getMessage());
    }
}
