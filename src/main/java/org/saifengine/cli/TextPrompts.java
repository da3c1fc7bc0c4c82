package org.saifengine.cli;

import org.saifengine.io.ModelFiles;
import org.saifengine.tokenizer.ChatMessage;
import org.saifengine.tokenizer.StreamDecoder;
import org.saifengine.tokenizer.Tokenizer;
import org.saifengine.tokenizer.Tokenizers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;

/** Text-to-ids and ids-to-text for the model commands, through the model's tokenizer (loaded on first use). */
final class TextPrompts {
    private final ModelFiles files;
    private Tokenizer tokenizer;

    TextPrompts(ModelFiles files) {
        this.files = files;
    }

    Tokenizer tokenizer() {
        if (tokenizer == null) {
            try {
                tokenizer = Tokenizers.load(files);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        return tokenizer;
    }

    /** Whether the model has a tokenizer we can load (commands fed token ids work without one). */
    boolean available() {
        try {
            tokenizer();
            return true;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    /** The prompt with the special tokens the tokenizer config adds (e.g. BOS). */
    int[] encode(String text) {
        return tokenizer().encode(text);
    }

    /** The prompt as one user message through the chat template, with the generation prompt. */
    int[] encodeChat(String text) {
        var template = tokenizer().chatTemplate().orElseThrow(() ->
                new IllegalArgumentException("--chat: the model's tokenizer has no chat template"));
        String rendered = template.render(List.of(new ChatMessage("user", text)), true);
        return tokenizer().encode(rendered, false); // the template already holds BOS and other specials
    }

    /** Generated text, special tokens skipped; null without a tokenizer. */
    String decode(int[] ids) {
        return available() ? tokenizer().decode(ids, true) : null;
    }

    Function<int[], String> decoder() {
        return ids -> tokenizer().decode(ids, true);
    }

    /** The tokenizer's end ids (eos plus chat end tokens); none without a tokenizer. */
    Set<Integer> eosIds() {
        return available() ? tokenizer().eosIds() : Set.of();
    }

    /** Per-token text for streaming; without a tokenizer, the ids themselves. */
    IntFunction<String> streamer() {
        if (!available()) return id -> id + " ";
        StreamDecoder d = tokenizer().streamDecoder(true);
        return d::push;
    }
}
