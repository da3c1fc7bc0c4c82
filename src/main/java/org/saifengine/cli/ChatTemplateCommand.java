package org.saifengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;
import org.saifengine.tokenizer.ChatMessage;
import org.saifengine.tokenizer.ChatTemplate;
import org.saifengine.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code engine chat-template}: renders conversations with a model's chat template and tokenizes the result. Input:
 * JSON lines {"messages": [{"role": ..., "content": ...}, ...], "add_generation_prompt": true}; output: one JSON
 * line {"text": ..., "ids": [...]} each.
 */
@Command(name = "chat-template", mixinStandardHelpOptions = true,
        description = "Render conversations (JSON lines) with the model's chat template; prints {text, ids} per line.")
public final class ChatTemplateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model: HF directory, tokenizer.json, .gguf file or default")
    String model;

    @Option(names = "--file", required = true, description = "JSON lines, each {\"messages\": [...], \"add_generation_prompt\": bool}")
    Path file;

    @Override
    public Integer call() throws IOException {
        Tokenizer tok = TokenizerLoading.load(model);
        ChatTemplate template = tok.chatTemplate().orElseThrow(() ->
                new IllegalArgumentException("the tokenizer of " + model + " has no chat template"));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                String where = file + " line " + n;
                JsonNode node = Json.parse(line, where);
                JsonNode msgs = node.get("messages");
                if (msgs == null || !msgs.isArray()) throw new IOException(where + ": want {\"messages\": [...]}");
                List<ChatMessage> messages = new ArrayList<>();
                for (JsonNode m : msgs) {
                    if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                        throw new IOException(where + ": each message needs a string role and content");
                    }
                    messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
                }
                String text = template.render(messages, node.path("add_generation_prompt").asBoolean(true));
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("text", text);
                var ids = o.putArray("ids");
                for (int id : tok.encode(text, false)) ids.add(id);
                out.println(Json.write(o));
            }
        }
        out.flush();
        return 0;
    }
}
