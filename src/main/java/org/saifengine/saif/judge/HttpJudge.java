package org.saifengine.saif.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A judge behind an OpenAI-compatible chat endpoint (OpenAI, {@code engine serve}, vLLM, llama.cpp's server...):
 * POST {base}/v1/chat/completions with the judge prompt as one user message, temperature 0. The prompts of one
 * batch are sent concurrently. An API key, when needed, comes from SAIF_JUDGE_API_KEY or OPENAI_API_KEY.
 */
public final class HttpJudge implements Judge {
    private final URI chat;
    private final String model;
    private final int maxTokens;
    private final String apiKey;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();

    /**
     * @param url       the endpoint: a base (http://host:port), a /v1 base, or the full /v1/chat/completions URL
     * @param model     model name to ask for; null = the one model the endpoint lists at /v1/models
     * @param maxTokens cap on each answer
     */
    public HttpJudge(String url, String model, int maxTokens) throws IOException {
        if (maxTokens < 1) throw new IllegalArgumentException("judge max tokens must be >= 1, got " + maxTokens);
        this.chat = chatUri(url);
        this.maxTokens = maxTokens;
        String key = System.getenv("SAIF_JUDGE_API_KEY");
        if (key == null || key.isBlank()) key = System.getenv("OPENAI_API_KEY");
        this.apiKey = key == null || key.isBlank() ? null : key.strip();
        this.model = model != null ? model : onlyModel();
    }

    /** The chat-completions URI of a judge URL. */
    static URI chatUri(String url) {
        String u = url == null ? "" : url.strip();
        while (u.endsWith("/")) u = u.substring(0, u.length() - 1);
        if (!u.startsWith("http://") && !u.startsWith("https://"))
            throw new IllegalArgumentException("--judge-url must start with http:// or https://, got '" + url + "'");
        if (!u.endsWith("/chat/completions")) u += u.endsWith("/v1") ? "/chat/completions" : "/v1/chat/completions";
        try {
            return URI.create(u);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--judge-url is not a valid URL: '" + url + "'");
        }
    }

    private String onlyModel() throws IOException {
        URI models = URI.create(chat.toString().replaceFirst("/chat/completions$", "/models"));
        JsonNode body = send(request(models).GET().build(), models);
        List<String> ids = new ArrayList<>();
        for (JsonNode m : body.path("data")) ids.add(m.path("id").asText());
        if (ids.size() != 1)
            throw new IllegalArgumentException("the judge endpoint lists " + ids.size() + " models at " + models
                    + (ids.isEmpty() ? "" : " (" + String.join(", ", ids.subList(0, Math.min(5, ids.size()))) + ")")
                    + "; pass --judge-model");
        return ids.getFirst();
    }

    @Override
    public String id() {
        return "url:" + chat + " model " + model + ", max_tokens " + maxTokens;
    }

    @Override
    public List<String> answers(List<String> prompts) throws IOException {
        List<CompletableFuture<String>> futures = new ArrayList<>();
        for (String p : prompts) {
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("model", model).put("temperature", 0).put("max_tokens", maxTokens);
            body.putArray("messages").addObject().put("role", "user").put("content", p);
            HttpRequest req = request(chat).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8)).build();
            futures.add(client.sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                    .thenApply(r -> content(r, chat)));
        }
        List<String> out = new ArrayList<>();
        for (CompletableFuture<String> f : futures) {
            try {
                out.add(f.join());
            } catch (CompletionException e) {
                throw failure(e.getCause(), chat);
            }
        }
        return out;
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        return b;
    }

    private JsonNode send(HttpRequest req, URI uri) throws IOException {
        try {
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return parseOk(r, uri);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the judge at " + uri);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } catch (IOException e) {
            throw failure(e, uri);
        }
    }

    private static String content(HttpResponse<String> r, URI uri) {
        try {
            JsonNode c = parseOk(r, uri).path("choices").path(0).path("message").path("content");
            if (!c.isTextual()) throw new IOException("the judge at " + uri + " answered without choices[0].message.content");
            return c.asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode parseOk(HttpResponse<String> r, URI uri) throws IOException {
        if (r.statusCode() / 100 != 2) {
            String b = r.body() == null ? "" : r.body().strip();
            throw new IOException("the judge at " + uri + " answered HTTP " + r.statusCode() + ": "
                    + (b.length() > 300 ? b.substring(0, 300) + "..." : b));
        }
        return Json.parse(r.body(), "the judge's answer from " + uri);
    }

    private static IOException failure(Throwable e, URI uri) {
        if (e instanceof java.io.UncheckedIOException u) return u.getCause();
        if (e instanceof ConnectException) return new IOException("cannot connect to the judge at " + uri + " (is it running?)", e);
        if (e instanceof IOException io && io.getMessage() != null && io.getMessage().startsWith("the judge")) return io;
        return new IOException("asking the judge at " + uri + " failed: " + e, e);
    }
}
