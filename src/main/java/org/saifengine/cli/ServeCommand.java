package org.saifengine.cli;

import org.saifengine.api.Engine;
import org.saifengine.backend.Backend;
import org.saifengine.model.LoadOptions;
import org.saifengine.server.BatchScheduler;
import org.saifengine.server.EngineServer;
import org.saifengine.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Serves a model over an OpenAI-compatible HTTP API with per-request steering in one continuous batch. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over an OpenAI-compatible HTTP API (completions, chat, SSE streaming, steering, SAE encode).")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model directory")
    String model;

    @Option(names = "--sae", description = "register an SAE requests may name: NAME=PATH (repeatable)")
    Map<String, Path> saes = new LinkedHashMap<>();

    @Option(names = "--saif-run", description = "register a SAIF run requests may name: NAME=DIR (repeatable)")
    Map<String, Path> saifRuns = new LinkedHashMap<>();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE}); any non-loopback address needs --api-key")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "port, 0 = any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--api-key", description = "require 'Authorization: Bearer KEY' (default: $SAIF_ENGINE_API_KEY if set)")
    String apiKey;

    @Mixin
    BackendOption backend;

    @picocli.CommandLine.Mixin
    CheckFiniteOption finite = new CheckFiniteOption();

    @picocli.CommandLine.Mixin
    MemoryBudgetOption memory = new MemoryBudgetOption();

    @Option(names = "--dtype", description = "weight dtype for the matmuls: f32, bf16, or native (a GGUF's Q8_0/Q4_0/Q4_1 blocks as stored, CPU only; default: as stored)")
    String dtype;

    @Option(names = "--max-batch", defaultValue = "64", description = "most sequences per decode step (default: ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--kv-budget-tokens", description = "KV-cache positions all admitted requests may reserve together (default: 64 x context)")
    Long kvBudget;

    @Option(names = "--max-waiting", defaultValue = "256", description = "admitted requests that may wait for a batch slot (default: ${DEFAULT-VALUE})")
    int maxWaiting;

    @Option(names = "--prefill-chunk", defaultValue = "256", description = "prompt tokens prefilled per step (default: ${DEFAULT-VALUE})")
    int prefillChunk;

    @Option(names = "--max-body-bytes", defaultValue = "1048576", description = "largest request body (default: ${DEFAULT-VALUE})")
    int maxBody;

    @Option(names = "--max-prompt-tokens", defaultValue = "4096", description = "longest prompt (default: ${DEFAULT-VALUE}, capped by the context)")
    int maxPrompt;

    @Option(names = "--max-tokens-limit", defaultValue = "1024", description = "largest max_tokens a request may ask (default: ${DEFAULT-VALUE})")
    int maxTokensLimit;

    @Option(names = "--default-max-tokens", defaultValue = "128", description = "max_tokens when a request gives none (default: ${DEFAULT-VALUE})")
    int defaultMaxTokens;

    @Option(names = "--request-timeout", defaultValue = "300", description = "seconds a generation may run (default: ${DEFAULT-VALUE})")
    int timeout;

    @Override
    public Integer call() throws Exception {
        String key = apiKey != null ? apiKey : System.getenv("SAIF_ENGINE_API_KEY");
        ServerOptions options = new ServerOptions(host, port, key, maxBody, maxPrompt, maxTokensLimit,
                Math.min(defaultMaxTokens, maxTokensLimit), timeout);
        // Slow or stalled uploads must not hold a connection forever (seconds to receive a request).
        System.setProperty("sun.net.httpserver.maxReqTime", "60");
        System.setProperty("sun.net.httpserver.maxReqHeaders", "100");
        // A client that stops reading a response must not hold its connection forever: generation itself ends at the
        // request timeout, so a response may take at most that plus a margin.
        System.setProperty("sun.net.httpserver.maxRspTime", String.valueOf(timeout + 60));
        Backend compute = backend.create();
        LoadOptions loadOptions;
        try {
            loadOptions = LoadOptions.of(compute, dtype, memory.budget());
        } catch (RuntimeException e) {
            compute.close();
            throw e;
        }
        try (compute; Engine engine = Engine.load(model, loadOptions)) {
            finite.apply(engine.model());
            long ctx = engine.config().maxPositions();
            var limits = new BatchScheduler.Limits(maxBatch, kvPositions(engine.model(), ctx), prefillChunk, maxWaiting);
            EngineServer.Builder b = EngineServer.builder(engine).options(options).limits(limits);
            for (var e : saes.entrySet()) b.sae(e.getKey(), e.getValue());
            for (var e : saifRuns.entrySet()) b.saifRun(e.getKey(), e.getValue());
            CountDownLatch stop = new CountDownLatch(1);
            try (EngineServer server = b.start()) {
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                System.out.println("serving " + engine.modelId() + " on http://" + host + ":" + server.port()
                        + (key == null ? "" : " (API key required)"));
                System.out.flush();
                stop.await();
            }
        }
        return 0;
    }

    /**
     * The KV-cache positions requests may reserve together: --kv-budget-tokens, or by default 64 x context capped by
     * what fits in the memory budget; refused up front when that is less than one full-context sequence.
     */
    private long kvPositions(org.saifengine.model.Model m, long ctx) {
        long rows = (long) maxBatch + prefillChunk;
        long kv = kvBudget != null ? kvBudget : Math.min(maxBatch * ctx, Math.max(ctx, m.kvPositionsThatFit(rows, maxBatch)));
        m.requireKvCache("serving with a KV-cache budget of " + kv + " positions", kv, rows, maxBatch);
        return kv;
    }
}
