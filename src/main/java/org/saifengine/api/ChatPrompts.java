package org.saifengine.api;

import org.saifengine.tokenizer.ChatMessage;
import org.saifengine.tokenizer.Tokenizer;

import java.util.List;

/**
 * Chat messages to prompt ids. With the tokenizer's chat template the messages are rendered by it (with the
 * generation prompt). A model without a template (e.g. a base model such as stories260K) gets the documented fallback:
 * the messages' contents joined by newlines and encoded as a plain prompt (BOS added as the tokenizer config says), so
 * the model simply continues the text. {@link #usesFallback()} tells which one applies.
 */
public final class ChatPrompts {
    private final Tokenizer tokenizer;

    public ChatPrompts(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public boolean usesFallback() {
        return tokenizer.chatTemplate().isEmpty();
    }

    public int[] encode(List<ChatMessage> messages) {
        if (messages.isEmpty()) throw new IllegalArgumentException("messages is empty: a chat needs at least one message");
        var template = tokenizer.chatTemplate();
        if (template.isPresent()) {
            String rendered = template.get().render(messages, true);
            return tokenizer.encode(rendered, false); // the template already holds BOS and other specials
        }
        StringBuilder text = new StringBuilder();
        for (ChatMessage m : messages) {
            if (!text.isEmpty()) text.append('\n');
            text.append(m.content());
        }
        return tokenizer.encode(text.toString(), true);
    }
}
