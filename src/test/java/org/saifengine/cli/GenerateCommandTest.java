package org.saifengine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.io.Json;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `engine generate --json` on stories260K reproduces golden.json's greedy ids. */
class GenerateCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void greedyJsonMatchesGolden() throws Exception {
        Path dir = SharedData.stories260K();
        JsonNode golden = Json.read(dir.resolve("golden.json"));
        JsonNode steps = golden.get("greedy_ids_first64_steps");
        JsonNode prompt = golden.get("prompt_ids_with_bos");
        StringBuilder ids = new StringBuilder();
        for (JsonNode n : prompt) ids.append(ids.isEmpty() ? "" : ",").append(n.asInt());
        int want = steps.size() - (prompt.size() - 1);
        Run r = run("generate", "--model", dir.toString(), "--prompt-ids", ids.toString(),
                "--max-tokens", String.valueOf(want), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = Json.parse(r.out(), "generate output");
        assertEquals(prompt, o.get("prompt_ids"));
        JsonNode gen = o.get("generated_ids");
        assertEquals(want, gen.size());
        for (int i = 0; i < want; i++) assertEquals(steps.get(prompt.size() - 1 + i).asInt(), gen.get(i).asInt(), "step " + i);
        assertTrue(o.get("timings").get("decode_tokens_per_s").asDouble() > 0);
    }

    @Test
    void textPromptGivesGoldenIdsAndText() throws Exception {
        Path dir = SharedData.stories260K();
        JsonNode golden = Json.read(dir.resolve("golden.json"));
        String prompt = golden.get("prompt").asText();
        int want = golden.get("greedy_ids_first64_steps").size() - (golden.get("prompt_ids_with_bos").size() - 1);
        Run r = run("generate", "--model", dir.toString(), "--prompt", prompt, "--max-tokens", String.valueOf(want), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = Json.parse(r.out(), "generate output");
        assertEquals(golden.get("prompt_ids_with_bos"), o.get("prompt_ids"));
        assertEquals(golden.get("greedy_text_64_steps").asText().substring(prompt.length()), o.get("text").asText());
    }

    @Test
    void badInputIsOneErrorLine() {
        Run r = run("generate", "--model", SharedData.stories260K().toString(), "--prompt-ids", "1,99999", "--json");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: token id 99999 is outside the vocabulary"), r.err());
        Run bad = run("generate", "--model", SharedData.stories260K().toString(), "--prompt-ids", "1,2",
                "--top-p", "1.5");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("top-p must be within (0, 1]"), bad.err());
    }
}
