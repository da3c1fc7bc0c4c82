package org.saifengine.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import org.saifengine.api.Engine;
import org.saifengine.io.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** POST /v1/completions and /v1/chat/completions, plain or streamed (SSE in OpenAI's wire format). */
final class CompletionsEndpoint {
    private final Engine engine;
    private final Registry registry;
    private final SteeringParser steering;
    private final BatchScheduler scheduler;
    private final ServerOptions options;

    CompletionsEndpoint(Engine engine, Registry registry, BatchScheduler scheduler, ServerOptions options) {
        this.engine = engine;
        this.registry = registry;
        this.steering = new SteeringParser(engine.config(), registry);
        this.scheduler = scheduler;
        this.options = options;
    }

    /** @return the HTTP status sent */
    int handle(HttpExchange ex, JsonNode body, boolean chat) throws IOException {
        GenerationRequest req = GenerationRequest.parse(body, chat, engine, registry, steering, options);
        GenerationCall call = new GenerationCall(req, engine.tokenizer());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.requestTimeoutSeconds());
        BatchScheduler.Job job;
        try {
            job = scheduler.submit(call.jobSpec(engine.stopIds(), deadline), call);
        } catch (BatchScheduler.Overloaded e) {
            throw new ApiException(429, "overloaded_error", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        try {
            return req.stream() ? stream(ex, req, call, job, id, created) : whole(ex, req, call, job, id, created);
        } finally {
            job.cancel(); // a no-op when it has finished; frees the slot when the client went away
        }
    }

    private GenerationCall.Event next(GenerationCall call, BatchScheduler.Job job, long waitMillis) throws IOException {
        try {
            return call.events.poll(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            job.cancel();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private int whole(HttpExchange ex, GenerationRequest req, GenerationCall call, BatchScheduler.Job job, String id, long created)
            throws IOException {
        StringBuilder text = new StringBuilder();
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.requestTimeoutSeconds() + 30L);
        GenerationCall.Event e;
        while (true) {
            e = next(call, job, 1000);
            if (e == null) {
                if (System.nanoTime() - giveUp > 0) throw new ApiException(504, "timeout_error", "generation did not finish in time");
                continue;
            }
            text.append(e.text());
            if (e.finish() != null) break;
        }
        failIfNotDone(e);
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (req.chat()) {
            choice.put("message", Map.of("role", "assistant", "content", text.toString()));
        } else {
            choice.put("text", text.toString());
            choice.put("logprobs", null);
        }
        choice.put("finish_reason", finishReason(e.finish()));
        Map<String, Object> out = envelope(req.chat() ? "chat.completion" : "text_completion", id, created);
        out.put("choices", List.of(choice));
        out.put("usage", usage(req, call));
        Exchanges.sendJson(ex, 200, out);
        return 200;
    }

    private static void failIfNotDone(GenerationCall.Event e) {
        switch (e.finish()) {
            case STOP, LENGTH -> { }
            case TIMEOUT -> throw new ApiException(504, "timeout_error", "generation ran past the server's request timeout");
            case CANCELLED -> throw new ApiException(503, "server_error", "the request was cancelled (server shutting down)");
            case ERROR -> throw new ApiException(500, "server_error", "generation failed: "
                    + (e.error() == null ? "unknown error" : e.error().getMessage()));
        }
    }

    private int stream(HttpExchange ex, GenerationRequest req, GenerationCall call, BatchScheduler.Job job, String id, long created)
            throws IOException {
        OutputStream out = Exchanges.startEvents(ex);
        String object = req.chat() ? "chat.completion.chunk" : "text_completion";
        try {
            if (req.chat()) Exchanges.sendEvent(out, Json.write(chunk(req, object, id, created, "", null, null, true)));
            while (true) {
                GenerationCall.Event e = next(call, job, 1000);
                if (e == null) {
                    Exchanges.sendPing(out); // finds a gone client even while the request waits for a slot
                    continue;
                }
                if (e.finish() == null) {
                    Exchanges.sendEvent(out, Json.write(chunk(req, object, id, created, e.text(), null, e, false)));
                    continue;
                }
                if (e.finish() == BatchScheduler.Finish.STOP || e.finish() == BatchScheduler.Finish.LENGTH) {
                    Map<String, Object> last = chunk(req, object, id, created, e.text(), finishReason(e.finish()), null, false);
                    if (req.includeUsage()) last.put("usage", usage(req, call));
                    Exchanges.sendEvent(out, Json.write(last));
                } else {
                    String type = e.finish() == BatchScheduler.Finish.TIMEOUT ? "timeout_error" : "server_error";
                    String msg = switch (e.finish()) {
                        case TIMEOUT -> "generation ran past the server's request timeout";
                        case CANCELLED -> "the request was cancelled";
                        default -> "generation failed: " + (e.error() == null ? "unknown error" : e.error().getMessage());
                    };
                    Exchanges.sendEvent(out, Json.write(Exchanges.errorBody(type, msg)));
                }
                Exchanges.sendEvent(out, "[DONE]");
                break;
            }
        } catch (IOException gone) {
            job.cancel(); // the client disconnected: free its batch slot and KV reservation now
        } finally {
            try {
                out.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        return 200;
    }

    private Map<String, Object> chunk(GenerationRequest req, String object, String id, long created, String text, String finish,
                                      GenerationCall.Event token, boolean roleOnly) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (req.chat()) {
            Map<String, Object> delta = new LinkedHashMap<>();
            if (roleOnly) delta.put("role", "assistant");
            if (roleOnly || !text.isEmpty() || finish == null) delta.put("content", text);
            choice.put("delta", delta);
        } else {
            choice.put("text", text);
            choice.put("logprobs", null);
        }
        choice.put("finish_reason", finish);
        Map<String, Object> c = envelope(object, id, created);
        c.put("choices", List.of(choice));
        if (token != null && req.monitor() != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("token_id", token.tokenId());
            m.put("token", engine.tokenizer().decode(new int[]{token.tokenId()}, false));
            if (token.monitor() != null) {
                m.put("latents", token.monitor().latents());
                m.put("activations", token.monitor().activations());
            }
            c.put("monitor", m);
        }
        return c;
    }

    private Map<String, Object> envelope(String object, String id, long created) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("object", object);
        m.put("created", created);
        m.put("model", engine.modelId());
        return m;
    }

    private static Map<String, Object> usage(GenerationRequest req, GenerationCall call) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", req.promptIds().length);
        u.put("completion_tokens", call.generated());
        u.put("total_tokens", req.promptIds().length + call.generated());
        return u;
    }

    private static String finishReason(BatchScheduler.Finish f) {
        return f == BatchScheduler.Finish.LENGTH ? "length" : "stop";
    }

}
