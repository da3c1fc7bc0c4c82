package org.saifengine.saif.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.saifengine.io.Json;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** The HTTP judge against an in-process OpenAI-compatible stub: request shape, answers in order, clear errors. */
class HttpJudgeTest {
    HttpServer server;
    String base;
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    volatile String models = "{\"object\":\"list\",\"data\":[{\"id\":\"stub\",\"object\":\"model\"}]}";
    volatile int status = 200;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.createContext("/v1/models", ex -> reply(ex, 200, models));
        server.createContext("/v1/chat/completions", ex -> {
            JsonNode body = Json.parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), "request");
            requests.add(body);
            String prompt = body.path("messages").path(0).path("content").asText();
            // the stub grades by the output's text: a French-looking output passes strictly, "mixed" loosely
            String answer = prompt.contains("Le chat") ? "STRICT: yes\nLOOSE: yes" : prompt.contains("mixed") ? "**Strict:** no\n**Loose:** yes"
                    : "I cannot tell.";
            var out = Json.MAPPER.createObjectNode();
            out.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", answer);
            reply(ex, status, status == 200 ? Json.write(out) : "{\"error\":{\"message\":\"overloaded\"}}");
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static void reply(com.sun.net.httpserver.HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void judgesABatchInOrderWithTheOneListedModel() throws IOException {
        HttpJudge judge = new HttpJudge(base, null, 16);
        List<JudgeVerdict> vs = judge.judge(List.of(new Judge.Item("Translate into French.", "The cat sat.", "Le chat s'assit."),
                new Judge.Item("Translate into French.", "The cat sat.", "Le cat mixed sat."),
                new Judge.Item("Translate into French.", "The cat sat.", "The cat sat.")));
        assertEquals(3, vs.size());
        assertTrue(vs.get(0).strict() && vs.get(0).loose());
        assertTrue(!vs.get(1).strict() && vs.get(1).loose());
        assertFalse(vs.get(2).parsed());
        assertEquals("I cannot tell.", vs.get(2).answer());
        assertEquals(3, requests.size());
        for (JsonNode r : requests) {
            assertEquals("stub", r.path("model").asText());
            assertEquals(0, r.path("temperature").asDouble());
            assertEquals(16, r.path("max_tokens").asInt());
            assertEquals("user", r.path("messages").path(0).path("role").asText());
        }
        assertTrue(judge.id().contains("/v1/chat/completions") && judge.id().contains("stub"));
    }

    @Test
    void acceptsEveryFormOfTheUrl() {
        for (String u : List.of(base, base + "/", base + "/v1", base + "/v1/chat/completions"))
            assertEquals(base + "/v1/chat/completions", HttpJudge.chatUri(u).toString(), u);
        var e = assertThrows(IllegalArgumentException.class, () -> HttpJudge.chatUri("localhost:8080"));
        assertTrue(e.getMessage().contains("must start with http://"), e.getMessage());
    }

    @Test
    void failsClearly() throws IOException {
        models = "{\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}]}";
        var several = assertThrows(IllegalArgumentException.class, () -> new HttpJudge(base, null, 16));
        assertTrue(several.getMessage().contains("lists 2 models") && several.getMessage().contains("--judge-model"), several.getMessage());
        HttpJudge named = new HttpJudge(base, "b", 16);
        status = 503;
        var http = assertThrows(IOException.class, () -> named.answers(List.of("x")));
        assertTrue(http.getMessage().contains("HTTP 503") && http.getMessage().contains("overloaded"), http.getMessage());
        server.stop(0);
        var down = assertThrows(IOException.class, () -> named.answers(List.of("x")));
        assertTrue(down.getMessage().contains("cannot connect to the judge") || down.getMessage().contains("failed"), down.getMessage());
    }
}
