package org.saifengine.tokenizer;

/**
 * An error the render reports as it is, past jinjava's wrapping: a template that would take too much time or memory
 * (the bounds are JinjaChatTemplate.MAX_*), or a Python string method misused (Python would raise ValueError).
 */
final class TemplateRenderError extends RuntimeException {
    TemplateRenderError(String message) {
        super(message);
    }
}
