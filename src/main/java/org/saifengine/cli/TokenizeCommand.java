package org.saifengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;
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
import java.util.concurrent.Callable;

/** {@code engine tokenize}: text to ids and tokens with a model's tokenizer (reads tokenizer files only). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encodes text with a model's tokenizer: {\"ids\": [...], \"tokens\": [...]} with --json.")
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model directory, tokenizer.json or tokenizer.model")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", description = "the text to encode")
        String text;

        @Option(names = "--file", description = "JSON lines, each a string or {\"text\": ...}; prints one result per line")
        Path file;

        @Option(names = "--ids", split = ",", description = "ids to decode instead (comma separated)")
        int[] ids;
    }

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Option(names = "--stream", description = "with --json, add \"stream\": the text each id completes when decoded "
            + "one at a time (special tokens rendered)")
    boolean stream;

    @Option(names = "--no-special", description = "do not add the special tokens (BOS/EOS) the config asks for")
    boolean noSpecial;

    @Override
    public Integer call() throws IOException {
        Tokenizer tok = TokenizerLoading.load(model);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        if (input.ids != null) {
            for (int id : input.ids) if (id < 0 || id >= tok.vocabSize())
                throw new IllegalArgumentException("id " + id + " is outside the vocabulary (size " + tok.vocabSize() + ")");
            out.println(json ? Json.write(result(tok, input.ids, stream)) : tok.decode(input.ids));
        } else if (input.text != null) {
            print(out, tok, input.text);
        } else {
            try (BufferedReader r = Files.newBufferedReader(input.file, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank()) continue;
                    JsonNode node = Json.parse(line, input.file + " line " + n);
                    if (node.isObject()) node = node.get("text");
                    if (node == null || !node.isTextual())
                        throw new IOException(input.file + " line " + n + ": want a JSON string or {\"text\": ...}");
                    print(out, tok, node.asText());
                }
            }
        }
        out.flush();
        return 0;
    }

    private void print(PrintStream out, Tokenizer tok, String text) {
        int[] ids = tok.encode(text, !noSpecial);
        if (json) {
            out.println(Json.write(result(tok, ids, stream)));
        } else {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) sb.append(sb.isEmpty() ? "" : " ").append(id);
            out.println(sb);
        }
    }

    private static ObjectNode result(Tokenizer tok, int[] ids, boolean stream) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        var idArr = o.putArray("ids");
        var tokArr = o.putArray("tokens");
        for (int id : ids) {
            idArr.add(id);
            tokArr.add(tok.tokenText(id));
        }
        o.put("decoded", tok.decode(ids, false));
        o.put("decoded_skip_special", tok.decode(ids, true));
        if (stream) {
            var pieces = o.putArray("stream");
            var decoder = tok.streamDecoder(false);
            for (int id : ids) pieces.add(decoder.push(id));
        }
        return o;
    }
}
