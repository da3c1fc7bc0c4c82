package org.saifengine.io.gguf;

import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.io.Json;
import org.saifengine.tokenizer.Tokenizer;
import org.saifengine.tokenizer.Tokenizers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Llama-2 vocabulary stored in a GGUF (tokens + scores, no merges) tokenizes llama.cpp's llama-spm vectors. */
class GgufTokenizerVectorsTest {

    @Test
    void llamaSpmVectorsThroughTheGgufVocabulary() throws Exception {
        GgufTokenizerJson.Result r = GgufModelFiles.readTokenizer(SharedData.path("models/gguf/llama-2-tiny-random.gguf"));
        Tokenizer tok = Tokenizers.fromJson(r.tokenizerJson(), r.tokenizerConfig());
        assertEquals(32000, tok.vocabSize());
        assertEquals(1, tok.bosId());
        assertTrue(tok.eosIds().contains(2));
        assertEquals(1, tok.encode("Hello")[0], "add_bos_token defaults to true for a llama vocabulary");

        String base = "tokenizers/ggml-vocab-llama-spm.gguf";
        String[] inputs = Files.readString(SharedData.path(base + ".inp"), StandardCharsets.UTF_8).split("\n__ggml_vocab_test__\n", -1);
        String[] lines = Files.readString(SharedData.path(base + ".out")).split("\n", -1);
        assertEquals(47, inputs.length);
        assertEquals(inputs.length, lines.length);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            int[] expected = lines[i].isBlank() ? new int[0]
                    : Arrays.stream(lines[i].trim().split(" +")).mapToInt(Integer::parseInt).toArray();
            int[] got = tok.encode(inputs[i], false);
            if (!Arrays.equals(expected, got)) {
                failures.add(i + ": " + Json.write(inputs[i]) + " expected " + Arrays.toString(expected) + " got " + Arrays.toString(got));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of 47 differ:\n" + String.join("\n", failures));
    }
}
