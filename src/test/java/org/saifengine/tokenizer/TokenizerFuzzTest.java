package org.saifengine.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the tokenizer. sentencePieceModel: any bytes give a working tokenizer or one
 * IOException with a message (never another exception). roundTrip: byte-level GPT-2 and SentencePiece Llama-2 are
 * lossless, so decode(encode(text)) must give the text back (for text that is valid UTF-16 and, for SentencePiece,
 * has no '▁' of its own). In `mvn test` only the seeds in TokenizerFuzzTestInputs/ run.
 */
class TokenizerFuzzTest {
    private static final String SAMPLE = "Hello wörld 🦙 <tool> 漢字\n\t 12";

    @FuzzTest(maxDuration = "30s")
    void sentencePieceModel(byte[] data) {
        Tokenizer tok;
        try {
            tok = SentencePieceLoader.load(SentencePieceModelFile.parse(data), TokenizerConfig.EMPTY);
        } catch (IOException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("error without a message", e);
            return;
        }
        int[] ids = tok.encode(SAMPLE);
        for (int id : ids) if (id < 0 || id >= tok.vocabSize()) throw new AssertionError("id out of range: " + id);
        tok.decode(ids);
    }

    private static Tokenizer gpt2, llama2;

    private static synchronized boolean load() {
        if (gpt2 != null) return true;
        Path shared = Path.of(System.getProperty("shared.dir", "../shared"));
        Path vocab = shared.resolve("tokenizers/gpt2/gpt2_vocab.json"), merges = shared.resolve("tokenizers/gpt2/gpt2_merges.txt");
        Path spm = shared.resolve("tokenizers/llama2/tokenizer.model");
        if (!Files.isRegularFile(vocab) || !Files.isRegularFile(spm)) return false;
        try {
            gpt2 = Tokenizers.fromVocabAndMerges(vocab, merges);
            llama2 = Tokenizers.loadPath(spm);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return true;
    }

    @FuzzTest(maxDuration = "30s")
    void roundTrip(byte[] data) {
        if (!load()) return; // ../shared absent: nothing to check against
        String text = new String(data, StandardCharsets.UTF_8);
        if (!StandardCharsets.UTF_8.newEncoder().canEncode(text)) return;
        String back = gpt2.decode(gpt2.encode(text, false));
        if (!back.equals(text)) throw new AssertionError("gpt2 round trip changed " + text + " into " + back);
        if (text.indexOf('▁') < 0) {
            back = llama2.decode(llama2.encode(text, false));
            if (!back.equals(text)) throw new AssertionError("llama2 round trip changed " + text + " into " + back);
        }
    }
}
