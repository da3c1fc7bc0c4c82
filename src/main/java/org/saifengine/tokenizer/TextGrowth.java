package org.saifengine.tokenizer;

/**
 * How much a tokenizer.json stage (normalizers, pre-tokenizers, decoders) may lengthen a text: at most
 * {@link #MAX_GROWTH} times the text given plus {@link #MAX_EXTRA} characters. Real stages grow text a little (NFKC at
 * most 18 characters for one, ByteLevel 4 for a 4-byte character), but steps whose output contains their input again
 * multiply it: a fuzzed Replace normalizer turned a 40-character prompt into 2.6M characters in three steps, and 40
 * ByteLevel pre-tokenizers or Metaspace decoders in a Sequence double the text 40 times.
 */
final class TextGrowth {
    static final int MAX_GROWTH = 64;
    static final int MAX_EXTRA = 4096;

    private TextGrowth() {}

    /** The most characters a stage may make of a text of {@code length}. */
    static long limit(long length) {
        return MAX_GROWTH * length + MAX_EXTRA;
    }

    /** Refuses (IllegalArgumentException) a result of {@code length} characters over {@code limit}, before it is built. */
    static void require(String stage, long length, long limit) {
        if (length > limit) {
            throw new IllegalArgumentException("the tokenizer's " + stage + " would make " + length
                    + " characters of a text (at most " + limit + ": " + MAX_GROWTH + " times the text given + " + MAX_EXTRA + ")");
        }
    }
}
