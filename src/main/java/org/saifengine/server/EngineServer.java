package org.saifengine.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.saifengine.api.Engine;
import org.saifengine.model.HookPoint;
import org.saifengine.sae.Sae;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The OpenAI-compatible HTTP server over one {@link Engine}: /v1/models, /v1/completions, /v1/chat/completions,
 * /v1/sae/encode, /v1/saif/runs/{name}, /health, /metrics and the monitor page at /. Built on the JDK's
 * com.sun.net.httpserver (no dependencies) with one virtual thread per request; generation itself runs on the
 * {@link BatchScheduler}'s single thread. Every error is a JSON body {"error":{"message","type","code"}}.
 */
public final class EngineServer implements AutoCloseable {
    private static final Set<String> ENDPOINTS = Set.of("/", "/health", "/metrics", "/v1/models", "/v1/completions",
            "/v1/chat/completions", "/v1/sae/encode", "/v1/saes", "/v1/saif/runs");

    private final Engine engine;
    private final Registry registry;
    private final ServerOptions options;
    private final BatchScheduler scheduler;
    private final CompletionsEndpoint completions;
    private final Metrics metrics = new Metrics();
    private final HttpServer http;
    private final ExecutorService executor;
    private final byte[] keyBytes;

    private EngineServer(Engine engine, Registry registry, ServerOptions options, BatchScheduler.Limits limits) throws IOException {
        InetAddress address = InetAddress.getByName(options.host());
        if (!address.isLoopbackAddress() && options.apiKey() == null) {
            throw new IllegalArgumentException("binding " + options.host() + " (not loopback) needs an API key: pass --api-key");
        }
        this.engine = engine;
        this.registry = registry;
        this.options = options;
        this.keyBytes = options.apiKey() == null ? null : options.apiKey().getBytes(StandardCharsets.UTF_8);
        this.scheduler = new BatchScheduler(engine.model(), limits);
        this.completions = new CompletionsEndpoint(engine, registry, scheduler, options);
        this.http = HttpServer.create(new InetSocketAddress(address, options.port()), 256);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    public static Builder builder(Engine engine) { return new Builder(engine); }

    /** Builds a server: options, scheduler limits, and the SAEs and SAIF runs requests may name. */
    public static final class Builder {
        private final Engine engine;
        private final Registry registry = new Registry();
        private ServerOptions options = ServerOptions.loopback(8080);
        private BatchScheduler.Limits limits;

        private Builder(Engine engine) {
            this.engine = engine;
            long ctx = engine.config().maxPositions();
            this.limits = new BatchScheduler.Limits(64, 64 * ctx, 256, 256);
        }

        public Builder options(ServerOptions o) {
            this.options = o;
            return this;
        }

        public Builder limits(BatchScheduler.Limits l) {
            this.limits = l;
            return this;
        }

        /** Registers an SAE requests may name (steering latents, monitor, /v1/sae/encode). */
        public Builder sae(String name, Path path) throws IOException {
            requireName(name, "SAE");
            Sae sae;
            try {
                sae = engine.loadSae(path);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--sae " + name + "=" + path + ": " + e.getMessage(), e);
            }
            registry.add(new SaeDictionary(name, sae, engine.saeHook(sae).toString()));
            return this;
        }

        /** Registers a SAIF run directory requests may name (steering.saif_run, /v1/saif/runs/{name}). */
        public Builder saifRun(String name, Path dir) throws IOException {
            requireName(name, "SAIF run");
            try {
                registry.add(SaifRuns.load(name, dir, engine));
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new IllegalArgumentException("--saif-run " + name + "=" + dir + ": " + e.getMessage(), e);
            }
            return this;
        }

        private static void requireName(String name, String what) {
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException(what + " name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-'");
            }
        }

        /** Starts listening; the server runs until closed. */
        public EngineServer start() throws IOException {
            return new EngineServer(engine, registry, options, limits);
        }
    }

    /** The bound port (useful with port 0). */
    public int port() { return http.getAddress().getPort(); }

    public BatchScheduler scheduler() { return scheduler; }

    private void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        String label = path.startsWith("/v1/saif/runs/") ? "/v1/saif/runs" : ENDPOINTS.contains(path) ? path : "other";
        int status = 500;
        try {
            status = route(ex, path);
        } catch (ApiException e) {
            status = e.status();
            sendError(ex, e.status(), e.type(), e.getMessage());
        } catch (IOException e) {
            status = 499; // the client went away while we wrote
        } catch (RuntimeException | Error e) {
            if (System.getenv("SAIF_ENGINE_DEBUG") != null) e.printStackTrace();
            status = 500;
            sendError(ex, 500, "server_error", "internal error: " + e);
        } finally {
            metrics.request(label, status, (System.nanoTime() - t0) / 1e9);
            ex.close();
        }
    }

    private void sendError(HttpExchange ex, int status, String type, String message) {
        try {
            if (status == 401) ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            Exchanges.sendJson(ex, status, Exchanges.errorBody(type, message));
        } catch (IOException | RuntimeException ignored) {
            // headers already sent (a stream) or the client is gone
        }
    }

    private int route(HttpExchange ex, String path) throws IOException {
        String method = ex.getRequestMethod();
        switch (path) {
            case "/", "/index.html" -> {
                requireMethod(method, "GET");
                return sendPage(ex);
            }
            case "/health" -> {
                requireMethod(method, "GET");
                var s = scheduler.stats();
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("status", "ok");
                h.put("model", engine.modelId());
                h.put("running", s.running());
                h.put("waiting", s.waiting());
                Exchanges.sendJson(ex, 200, h);
                return 200;
            }
            default -> { }
        }
        authorize(ex);
        if (path.equals("/metrics")) {
            requireMethod(method, "GET");
            Exchanges.sendText(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                    metrics.render(scheduler.stats()).getBytes(StandardCharsets.UTF_8));
            return 200;
        }
        if (path.equals("/v1/models")) {
            requireMethod(method, "GET");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", engine.modelId());
            m.put("object", "model");
            m.put("created", 0);
            m.put("owned_by", "saif-engine");
            Exchanges.sendJson(ex, 200, Map.of("object", "list", "data", List.of(m)));
            return 200;
        }
        if (path.equals("/v1/completions") || path.equals("/v1/chat/completions")) {
            requireMethod(method, "POST");
            JsonNode body = Exchanges.readJson(ex, options.maxBodyBytes());
            return completions.handle(ex, body, path.equals("/v1/chat/completions"));
        }
        if (path.equals("/v1/saes")) {
            requireMethod(method, "GET");
            List<Object> data = new ArrayList<>();
            for (Registry.Dictionary d : registry.saes().values()) {
                data.add(Map.of("id", d.name(), "object", "sae", "hook", d.hookPoint(), "d_in", d.dIn(), "d_sae", d.dSae()));
            }
            Exchanges.sendJson(ex, 200, Map.of("object", "list", "data", data));
            return 200;
        }
        if (path.equals("/v1/saif/runs")) {
            requireMethod(method, "GET");
            List<Object> data = new ArrayList<>();
            for (Registry.SaifRun r : registry.runs().values()) data.add(Map.of("id", r.name(), "object", "saif.run", "hook", r.hookPoint()));
            Exchanges.sendJson(ex, 200, Map.of("object", "list", "data", data));
            return 200;
        }
        if (path.equals("/v1/sae/encode")) {
            requireMethod(method, "POST");
            return saeEncode(ex, Exchanges.readJson(ex, options.maxBodyBytes()));
        }
        if (path.startsWith("/v1/saif/runs/")) {
            requireMethod(method, "GET");
            String name = path.substring("/v1/saif/runs/".length());
            Registry.SaifRun run = registry.runs().get(name);
            if (run == null) throw ApiException.notFound("unknown SAIF run '" + name + "'; registered runs: " + registry.runs().keySet());
            Exchanges.sendJson(ex, 200, run.summary());
            return 200;
        }
        throw ApiException.notFound("no endpoint " + method + " " + path);
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) throw new ApiException(405, "method_not_allowed", "use " + allowed + " for this endpoint, not " + method);
    }

    private void authorize(HttpExchange ex) {
        if (keyBytes == null) return;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        String token = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
        if (token == null) {
            throw new ApiException(401, "authentication_error", "missing API key: send the header 'Authorization: Bearer <key>'");
        }
        if (!MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), keyBytes)) {
            throw new ApiException(401, "authentication_error", "invalid API key");
        }
    }

    private int sendPage(HttpExchange ex) throws IOException {
        try (InputStream in = EngineServer.class.getResourceAsStream("index.html")) {
            if (in == null) throw new ApiException(500, "server_error", "the monitor page is missing from the jar");
            ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'");
            Exchanges.sendText(ex, 200, "text/html; charset=utf-8", in.readAllBytes());
        }
        return 200;
    }

    /** POST /v1/sae/encode {"sae", "input" (text or token ids), "top_k"}: the top latents of every token. */
    private int saeEncode(HttpExchange ex, JsonNode body) throws IOException {
        Registry.Dictionary sae = registry.sae(JsonFields.string(body, "sae", "", null), "sae");
        int top = JsonFields.integer(body, "top_k", "", 8);
        if (top < 1 || top > 256) throw ApiException.badRequest("top_k must be within 1..256, got " + top);
        if (!JsonFields.has(body, "input")) throw ApiException.badRequest("input is missing (text or a list of token ids)");
        JsonNode in = body.get("input");
        int[] ids;
        if (in.isTextual()) {
            ids = engine.encode(in.asText());
        } else if (in.isArray() && !in.isEmpty()) {
            ids = new int[in.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = JsonFields.integer(in.get(i), "input[" + i + "]");
                if (ids[i] < 0 || ids[i] >= engine.config().vocabSize()) {
                    throw ApiException.badRequest("input[" + i + "] = " + ids[i] + " is outside the vocabulary");
                }
            }
        } else {
            throw ApiException.badRequest("input must be text or a non-empty list of token ids");
        }
        if (ids.length == 0) throw ApiException.badRequest("input is empty");
        int maxPrompt = Math.min(options.maxPromptTokens(), engine.config().maxPositions());
        if (ids.length > maxPrompt) throw ApiException.badRequest("input has " + ids.length + " tokens but at most " + maxPrompt + " are accepted");
        float[][] acts = engine.activations(ids, HookPoint.parse(sae.hookPoint()));
        List<Object> tokens = new ArrayList<>();
        for (int t = 0; t < ids.length; t++) {
            Registry.Latents l = sae.encode(acts[t], top);
            List<Object> latents = new ArrayList<>();
            for (int i = 0; i < l.indices().length; i++) latents.add(Map.of("index", l.indices()[i], "value", l.values()[i]));
            Map<String, Object> tok = new LinkedHashMap<>();
            tok.put("position", t);
            tok.put("token_id", ids[t]);
            tok.put("token", engine.tokenizer().tokenText(ids[t]));
            tok.put("latents", latents);
            tokens.add(tok);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", "sae.encoding");
        out.put("model", engine.modelId());
        out.put("sae", sae.name());
        out.put("hook", sae.hookPoint());
        out.put("tokens", tokens);
        Exchanges.sendJson(ex, 200, out);
        return 200;
    }

    @Override
    public void close() throws InterruptedException {
        http.stop(0);
        scheduler.close();
        executor.shutdownNow();
    }
}
