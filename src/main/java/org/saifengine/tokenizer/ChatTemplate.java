package org.saifengine.tokenizer;

import java.util.List;

/** A model's chat template (tokenizer_config.json {@code chat_template}), rendered as Hugging Face does. */
public interface ChatTemplate {
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
