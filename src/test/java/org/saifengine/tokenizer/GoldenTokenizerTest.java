package org.saifengine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.io.Json;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reference ids no one here wrote: stories260K's golden.json and llama.cpp's tokenizer test vectors. */
class GoldenTokenizerTest {

    @Test
    void stories260kGoldenExamplesWithBos() throws Exception {
        Path dir = SharedData.stories260K();
        Tokenizer tok = Tokenizers.loadPath(dir);
        JsonNode examples = Json.read(dir.resolve("golden.json")).get("tokenizer_examples");
        assertTrue(examples.size() >= 6);
        var it = examples.fields();
        while (it.hasNext()) {
            var e = it.next();
            int[] expected = ids(e.getValue());
            assertArrayEquals(expected, tok.encode(e.getKey()), "ids of " + e.getKey());
            assertEquals(e.getKey(), tok.decode(tok.encode(e.getKey()), true), "round trip of " + e.getKey());
        }
        assertEquals(1, tok.bosId());
        assertTrue(tok.eosIds().contains(2));
    }

    @Test
    void stories260kPromptIdsMatchGolden() throws Exception {
        Path dir = SharedData.stories260K();
        JsonNode golden = Json.read(dir.resolve("golden.json"));
        Tokenizer tok = Tokenizers.loadPath(dir);
        assertArrayEquals(ids(golden.get("prompt_ids_with_bos")), tok.encode(golden.get("prompt").asText()));
    }

    @Test
    void stories260kGoldenViaLlama2cTokenizerBin() throws Exception {
        Path dir = SharedData.stories260K();
        Tokenizer tok = Tokenizers.loadPath(SharedData.path("models/stories260K/original/tok512.bin"));
        assertEquals(512, tok.vocabSize());
        var it = Json.read(dir.resolve("golden.json")).get("tokenizer_examples").fields();
        while (it.hasNext()) {
            var e = it.next();
            assertArrayEquals(ids(e.getValue()), tok.encode(e.getKey()), "ids of " + e.getKey());
            assertEquals(e.getKey(), tok.decode(tok.encode(e.getKey()), true));
        }
    }

    @Test
    void llamaSpmVectorsViaLlama2cTokenizerBin() throws Exception {
        assertVectors(Tokenizers.loadPath(SharedData.path("tokenizers/llama2/tokenizer.bin")),
                "tokenizers/ggml-vocab-llama-spm.gguf");
    }

    @Test
    void gpt2VectorsFromLlamaCpp() throws Exception {
        Tokenizer tok = Tokenizers.fromVocabAndMerges(SharedData.path("tokenizers/gpt2/gpt2_vocab.json"),
                SharedData.path("tokenizers/gpt2/gpt2_merges.txt"));
        assertVectors(tok, "tokenizers/ggml-vocab-gpt-2.gguf");
    }

    @Test
    void llamaSpmVectorsFromLlamaCpp() throws Exception {
        Tokenizer tok = Tokenizers.loadPath(SharedData.path("tokenizers/llama2/tokenizer.model"));
        assertEquals(1, tok.bosId());
        assertTrue(tok.eosIds().contains(2));
        assertVectors(tok, "tokenizers/ggml-vocab-llama-spm.gguf");
    }

    /** .inp holds inputs separated by "\n__ggml_vocab_test__\n"; .out the expected ids (no BOS), one line each. */
    private static void assertVectors(Tokenizer tok, String base) throws Exception {
        String inp = Files.readString(SharedData.path(base + ".inp"), StandardCharsets.UTF_8);
        String[] inputs = inp.split("\n__ggml_vocab_test__\n", -1);
        String[] lines = Files.readString(SharedData.path(base + ".out")).split("\n", -1);
        assertEquals(inputs.length, lines.length, "inputs vs expected lines");
        assertEquals(47, inputs.length);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            int[] expected = lines[i].isBlank() ? new int[0]
                    : Arrays.stream(lines[i].trim().split(" +")).mapToInt(Integer::parseInt).toArray();
            int[] got = tok.encode(inputs[i], false);
            if (!Arrays.equals(expected, got))
                failures.add(i + ": " + Json.write(inputs[i]) + " expected " + Arrays.toString(expected) + " got " + Arrays.toString(got));
            else
                assertEquals(inputs[i], tok.decode(got), "decode of vector " + i);
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + inputs.length + " differ:\n" + String.join("\n", failures));
    }

    private static int[] ids(JsonNode arr) {
        int[] r = new int[arr.size()];
        for (int i = 0; i < r.length; i++) r[i] = arr.get(i).asInt();
        return r;
    }
}
