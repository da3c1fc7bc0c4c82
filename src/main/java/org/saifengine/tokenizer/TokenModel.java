package org.saifengine.tokenizer;

/** The subword model: turns one pre-tokenized piece into ids, and knows its vocabulary. */
interface TokenModel {
    void encode(String piece, IntList out);

    /** The id of a vocabulary string, or -1. */
    int id(String token);

    /** The vocabulary string of an id, or null when the id is not in this model. */
    String token(int id);

    /** One more than the highest id. */
    int size();
}
