package org.saifengine.api;

/**
 * A finished generation.
 *
 * @param promptIds    the tokens fed to the model
 * @param tokenIds     generated tokens (an end-of-sequence token is kept as the last one)
 * @param text         generated text, special tokens skipped, cut before any stop string
 * @param finishReason "stop" (end token or stop string) or "length" (token budget or context full)
 */
public record Completion(int[] promptIds, int[] tokenIds, String text, String finishReason) {}
