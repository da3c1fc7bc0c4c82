package org.saifengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;
import org.saifengine.tokenizer.ChatMessage;
import org.saifengine.tokenizer.ChatTemplate;
import org.saifengine.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
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

/** {@code engine chat-template}: renders conversations with the model's chat template (tokenizer files only). */
@Command(name = "chat-template", mixinStandardHelpOptions = true,
        description = "Renders a conversation with the model's chat template (tokenizer_config.json chat_template).")
public final class ChatTemplateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model directory (tokenizer.json/tokenizer.model + tokenizer_config.json)")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--messages", description = "JSON file: [{\"role\":..,\"content\":..}, ...] or {\"messages\": [...]}")
        Path messages;

        @Option(names = "--file", description = "JSON lines, each {\"messages\": [...], \"add_generation_prompt\": bool}; "
                + "prints one {\"text\"} or {\"error\"} object per line")
        Path file;
    }

    @Option(names = "--add-generation-prompt", description = "end with the assistant turn's opening")
    boolean addGenerationPrompt;

    @Option(names = "--json", description = "print {\"text\": ..., \"ids\": [...]} instead of the raw text")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Tokenizer tok = TokenizerLoading.load(model);
        ChatTemplate template = tok.chatTemplate().orElseThrow(() ->
                new IllegalArgumentException("model " + model + " has no chat_template in tokenizer_config.json"));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        if (input.messages != null) {
            JsonNode node = Json.read(input.messages);
            boolean gen = addGenerationPrompt || node.path("add_generation_prompt").asBoolean(false);
            String text = template.render(messages(node, input.messages.toString()), gen);
            if (json) out.println(Json.write(result(tok, text)));
            else out.print(text);
        } else {
            try (BufferedReader r = Files.newBufferedReader(input.file, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank()) continue;
                    String where = input.file + " line " + n;
                    JsonNode node = Json.parse(line, where);
                    boolean gen = addGenerationPrompt || node.path("add_generation_prompt").asBoolean(false);
                    List<ChatMessage> msgs = messages(node, where);
                    ObjectNode o;
                    try {
                        o = result(tok, template.render(msgs, gen));
                    } catch (IllegalArgumentException e) {
                        o = Json.MAPPER.createObjectNode().put("error", e.getMessage());
                    }
                    out.println(Json.write(o));
                }
            }
        }
        out.flush();
        return 0;
    }

    private static ObjectNode result(Tokenizer tok, String text) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("text", text);
        var ids = o.putArray("ids");
        for (int id : tok.encode(text, false)) ids.add(id);
        return o;
    }

    static List<ChatMessage> messages(JsonNode node, String where) throws IOException {
        JsonNode arr = node.isArray() ? node : node.get("messages");
        if (arr == null || !arr.isArray()) throw new IOException(where + ": want a list of messages or {\"messages\": [...]}");
        List<ChatMessage> list = new ArrayList<>();
        for (JsonNode m : arr) {
            if (!m.path("role").isTextual() || !m.path("content").isTextual())
                throw new IOException(where + ": each message needs string 'role' and 'content', got " + m);
            list.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        }
        return list;
    }
}
