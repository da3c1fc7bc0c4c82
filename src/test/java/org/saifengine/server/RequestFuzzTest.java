package org.saifengine.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.api.Engine;
import org.saifengine.io.Json;
import org.saifengine.sae.Architecture;
import org.saifengine.sae.Normalization;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Coverage-guided fuzzing of the server's request parsing (issue 9), without HTTP: body bytes -> JSON object
 * (Exchanges.parseObject) -> GenerationRequest.parse for /v1/completions and /v1/chat/completions, including the
 * steering (SteeringParser) and monitor extensions. stories260K serves; two SAEs ("res2" at blocks.2.hook_resid_post,
 * "res3" at blocks.3) and one SAIF run ("lower", blocks.2) are registered. Every body must parse or give one
 * ApiException with status 400/404 and a message; anything else would be a 500 "internal error" to the client.
 * Seeds: RequestFuzzTestInputs/ (bodies as the OpenAI client and the docs send them).
 */
class RequestFuzzTest {
    private static Engine engine;
    private static Registry registry;
    private static SteeringParser steering;
    private static final ServerOptions OPTIONS = ServerOptions.loopback(0);

    private static synchronized boolean load() {
        if (engine != null) return true;
        Path model = Path.of(System.getProperty("shared.dir", "../shared")).resolve("models/stories260K");
        if (!Files.isDirectory(model)) return false;
        try {
            engine = Engine.load(model.toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        int d = engine.config().hiddenSize();
        registry = new Registry();
        registry.add(new SaeDictionary("res2", sae(d, 16, "blocks.2.hook_resid_post"), "blocks.2.hook_resid_post"));
        registry.add(new SaeDictionary("res3", sae(d, 8, "blocks.3.hook_resid_post"), "blocks.3.hook_resid_post"));
        float[] v = new float[d];
        v[0] = 1f;
        registry.add(new Registry.SaifRun("lower", "blocks.2.hook_resid_post", v, 2.0, Json.MAPPER.createObjectNode()));
        steering = new SteeringParser(engine.config(), registry);
        return true;
    }

    private static Sae sae(int dIn, int dSae, String hook) {
        Random r = new Random(dSae);
        float[] wEnc = new float[dIn * dSae], wDec = new float[dSae * dIn];
        for (int i = 0; i < wEnc.length; i++) wEnc[i] = (float) r.nextGaussian();
        for (int i = 0; i < wDec.length; i++) wDec[i] = (float) r.nextGaussian();
        SaeConfig cfg = new SaeConfig(Architecture.STANDARD, dIn, dSae, 0, true, Normalization.NONE, false, hook, null, "test");
        return Sae.create(cfg, SaeWeights.of(wEnc, new float[dSae], wDec, new float[dIn]));
    }

    @FuzzTest(maxDuration = "30s")
    void body(byte[] data) {
        if (!load()) return; // ../shared absent: no model to parse prompts with
        JsonNode body;
        try {
            body = Exchanges.parseObject(data);
        } catch (ApiException e) {
            requireClientError(e);
            return;
        }
        for (boolean chat : new boolean[]{false, true}) {
            try {
                GenerationRequest req = GenerationRequest.parse(body, chat, engine, registry, steering, OPTIONS);
                if (req.promptIds().length == 0 || req.maxTokens() < 1) throw new AssertionError("accepted an unusable request: " + body);
                if (req.steering() != null && req.steering().vector().length != engine.config().hiddenSize()) {
                    throw new AssertionError("steering vector of the wrong width");
                }
            } catch (ApiException e) {
                requireClientError(e);
            }
        }
    }

    private static void requireClientError(ApiException e) {
        if (e.status() != 400 && e.status() != 404) throw new AssertionError("status " + e.status() + " for a bad body", e);
        if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("error without a message", e);
    }
}
