package org.saifengine.saif;

/**
 * One content (paragraph or query) a prompt is built around.
 *
 * @param id   stable id: source and index, e.g. "wikitext2:17"
 * @param text the content
 */
public record Content(String id, String text) {}
