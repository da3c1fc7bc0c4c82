package org.saifengine.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of chat template rendering (jinjava, issue 9). The input is the template text, optionally
 * followed by NUL-separated message contents (user and assistant in turn, a system message first). Any template must
 * render or fail with one IllegalArgumentException with a message, never hang or run out of memory: output, string
 * length, collection sizes, macro depth and loop iterations are bounded (JinjaChatTemplate.MAX_*), and the output
 * must respect the output bound. Seeds: ChatTemplateFuzzTestInputs/ (the templates of
 * tests/test_tokenizer_chat_template.py, scripts/gen-parser-fuzz-seeds.py).
 */
class ChatTemplateFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void render(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        String[] parts = text.split("\0", 9);
        List<ChatMessage> messages = new ArrayList<>();
        if (parts.length == 1) {
            messages.add(new ChatMessage("system", "You are kind."));
            messages.add(new ChatMessage("user", "Hi"));
            messages.add(new ChatMessage("assistant", "Hello!"));
            messages.add(new ChatMessage("user", "Bye"));
        } else {
            messages.add(new ChatMessage("system", parts[1]));
            for (int i = 2; i < parts.length; i++) messages.add(new ChatMessage(i % 2 == 0 ? "user" : "assistant", parts[i]));
        }
        String out;
        try {
            out = new JinjaChatTemplate(parts[0], "<s>", "</s>").render(messages, (data.length & 1) == 0);
        } catch (IllegalArgumentException e) {
            TokenizerJsonFuzzTest.requireMessage(e);
            return;
        }
        if (out == null) throw new AssertionError("null output");
        if (out.length() > JinjaChatTemplate.MAX_OUTPUT_CHARS) throw new AssertionError("output of " + out.length() + " chars passed the bound");
    }
}
