package org.saifengine.cli;

import org.saifengine.io.ModelFiles;

import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;

/** Text-to-ids and ids-to-text for the CLI, through the model's tokenizer. */
final class TextPrompts {
    private TextPrompts() {}

    static int[] encode(ModelFiles files, String text) {
        throw new IllegalArgumentException("text prompts need the tokenizer, which is not built into this engine yet; use token ids");
    }

    static int[] encodeChat(ModelFiles files, String text) {
        throw new IllegalArgumentException("--chat needs the tokenizer, which is not built into this engine yet");
    }

    /** Decoded text, or null when no tokenizer is available. */
    static String decode(ModelFiles files, int[] ids) {
        return null;
    }

    /** ids -> text for stop strings, or null without a tokenizer. */
    static Function<int[], String> decoder(ModelFiles files) {
        return null;
    }

    /** Extra end-of-generation ids the tokenizer knows (chat end tokens). */
    static Set<Integer> eosIds(ModelFiles files) {
        return Set.of();
    }

    /** Per-token text for streaming; without a tokenizer, the ids themselves. */
    static IntFunction<String> streamer(ModelFiles files) {
        return id -> id + " ";
    }
}
