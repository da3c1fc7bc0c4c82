package org.saifengine.tokenizer;

import java.util.Optional;
import java.util.Set;

/** Text to token ids and back, as the model's tokenizer files say. Implementations are thread-safe. */
public interface Tokenizer {
    /** Encodes with the special tokens the config adds (e.g. BOS). */
    default int[] encode(String text) {
        return encode(text, true);
    }

    int[] encode(String text, boolean addSpecialTokens);

    /** Decodes with special tokens rendered as their text. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    String decode(int[] ids, boolean skipSpecialTokens);

    /** The vocabulary string of one id (e.g. "Ġthe", "▁the", "<0x0A>", "<|im_end|>"). */
    String tokenText(int id);

    int vocabSize();

    /** The BOS id, or -1 if the tokenizer has none. */
    int bosId();

    /** Ids that end generation: the eos_token plus chat end tokens present in the vocabulary. */
    Set<Integer> eosIds();

    /** Whether the id is a special (control) token. */
    boolean isSpecial(int id);

    /** An incremental decoder rendering special tokens as text; never returns half a UTF-8 character. */
    default StreamDecoder streamDecoder() {
        return new StreamDecoder(this, false);
    }

    default StreamDecoder streamDecoder(boolean skipSpecialTokens) {
        return new StreamDecoder(this, skipSpecialTokens);
    }

    Optional<ChatTemplate> chatTemplate();
}
