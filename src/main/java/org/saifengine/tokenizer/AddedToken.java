package org.saifengine.tokenizer;

/** An entry of tokenizer.json "added_tokens": matched whole in the text before any other tokenization. */
record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord,
                  boolean normalized) {}
