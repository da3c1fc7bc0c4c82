package org.saifengine.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import org.saifengine.io.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading bodies and writing JSON / SSE on JDK HttpExchanges. */
final class Exchanges {
    private Exchanges() {}

    /** The body as a JSON object; 413 over maxBytes, 400 when it is not a JSON object. */
    static JsonNode readJson(HttpExchange ex, int maxBytes) throws IOException {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            try {
                if (Long.parseLong(len.trim()) > maxBytes) throw tooLarge(maxBytes);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Content-Length is not a number");
            }
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (InputStream in = ex.getRequestBody()) {
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (buf.size() + n > maxBytes) throw tooLarge(maxBytes);
                buf.write(chunk, 0, n);
            }
        }
        return parseObject(buf.toByteArray());
    }

    /** A request body as a JSON object, or a 400 saying what is wrong with it. */
    static JsonNode parseObject(byte[] body) {
        if (body.length == 0) throw ApiException.badRequest("the request body is empty: send a JSON object");
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the request body cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) throw ApiException.badRequest("the request body must be a JSON object");
        return node;
    }

    private static ApiException tooLarge(int maxBytes) {
        return new ApiException(413, "request_too_large", "the request body is larger than the server's limit of " + maxBytes + " bytes");
    }

    static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    static void sendText(HttpExchange ex, int status, String contentType, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    static Map<String, Object> errorBody(String type, String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("message", message);
        err.put("type", type);
        err.put("code", null);
        return Map.of("error", err);
    }

    /** Starts an SSE response (chunked). */
    static OutputStream startEvents(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        return ex.getResponseBody();
    }

    /** One "data:" event; throws IOException when the client has gone. */
    static void sendEvent(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** An SSE comment: clients ignore it; writing it finds out whether the client is still there. */
    static void sendPing(OutputStream out) throws IOException {
        out.write(": ping\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
