package org.saifengine.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.api.Engine;
import org.saifengine.model.SamplingParams;
import org.saifengine.steer.SteeringPlan;
import org.saifengine.tokenizer.ChatMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed /v1/completions or /v1/chat/completions body (OpenAI fields plus the steering and monitor extensions).
 * Unknown fields are ignored, as OpenAI clients send optional ones; fields we cannot honour (n > 1, echo, logprobs,
 * best_of) are a 400 rather than silently ignored.
 */
record GenerationRequest(boolean chat, int[] promptIds, int maxTokens, SamplingParams sampling, List<String> stop,
                         boolean stream, boolean includeUsage, SteeringPlan steering, MonitorSpec monitor) {

    /** Per-token latent activations to return with each streamed token. */
    record MonitorSpec(Registry.Dictionary sae, int[] latents, int top) {}

    static GenerationRequest parse(JsonNode body, boolean chat, Engine engine, Registry registry, SteeringParser steering,
                                   ServerOptions options) {
        String model = JsonFields.string(body, "model", "", null);
        if (model != null && !model.equals(engine.modelId())) {
            throw ApiException.notFound("model '" + model + "' is not served here; this server serves '" + engine.modelId() + "'");
        }
        int n = JsonFields.integer(body, "n", "", 1);
        if (n != 1) throw ApiException.badRequest("n must be 1 (one choice per request), got " + n);
        if (JsonFields.bool(body, "echo", "", false)) throw ApiException.badRequest("echo is not supported");
        if (JsonFields.has(body, "best_of") && JsonFields.integer(body, "best_of", "", 1) != 1) {
            throw ApiException.badRequest("best_of is not supported");
        }
        if (JsonFields.has(body, "logprobs") && !(body.get("logprobs").isBoolean() && !body.get("logprobs").asBoolean())) {
            throw ApiException.badRequest("logprobs is not supported");
        }

        int[] prompt = chat ? chatPrompt(body, engine) : textPrompt(body, engine);
        if (prompt.length == 0) throw ApiException.badRequest("the prompt is empty");
        int ctx = engine.config().maxPositions();
        int maxPrompt = Math.min(options.maxPromptTokens(), ctx - 1);
        if (prompt.length > maxPrompt) {
            throw ApiException.badRequest("the prompt has " + prompt.length + " tokens but at most " + maxPrompt
                    + " are accepted (model context " + ctx + ", server limit " + options.maxPromptTokens() + ")");
        }

        String maxKey = chat && JsonFields.has(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        int maxTokens = JsonFields.integer(body, maxKey, "", options.defaultMaxTokens());
        if (maxTokens < 1 || maxTokens > options.maxTokensLimit()) {
            throw ApiException.badRequest(maxKey + " must be within 1.." + options.maxTokensLimit() + ", got " + maxTokens);
        }
        maxTokens = Math.min(maxTokens, ctx - prompt.length); // the context ends generation ("length")

        double temperature = JsonFields.number(body, "temperature", "", 1.0);
        double topP = JsonFields.number(body, "top_p", "", 1.0);
        int topK = JsonFields.integer(body, "top_k", "", 0);
        long seed = JsonFields.longInt(body, "seed", "", 0L);
        if (temperature < 0 || temperature > 2) throw ApiException.badRequest("temperature must be within [0, 2], got " + temperature);
        if (!(topP > 0 && topP <= 1) || (float) topP == 0f) { // sampling uses floats: 1e-50 would become 0
            throw ApiException.badRequest("top_p must be within (0, 1], got " + topP);
        }
        if (topK < 0) throw ApiException.badRequest("top_k must be >= 0, got " + topK);
        SamplingParams sampling = new SamplingParams((float) temperature, topK, (float) topP, seed);

        List<String> stop = stops(body);
        boolean stream = JsonFields.bool(body, "stream", "", false);
        JsonNode streamOptions = JsonFields.object(body, "stream_options", "");
        boolean includeUsage = streamOptions != null && JsonFields.bool(streamOptions, "include_usage", "stream_options.", false);
        SteeringPlan plan = steering.parse(body);
        MonitorSpec monitor = monitor(body, registry);
        if (monitor != null && !stream) throw ApiException.badRequest("monitor returns per-token activations in the stream: set stream to true");
        return new GenerationRequest(chat, prompt, maxTokens, sampling, stop, stream, includeUsage, plan, monitor);
    }

    private static int[] textPrompt(JsonNode body, Engine engine) {
        if (!JsonFields.has(body, "prompt")) throw ApiException.badRequest("prompt is missing");
        JsonNode p = body.get("prompt");
        if (p.isTextual()) return engine.encode(p.asText());
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) return engine.encode(p.get(0).asText());
        if (p.isArray() && p.size() > 0 && p.get(0).isNumber()) {
            int vocab = engine.config().vocabSize();
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = JsonFields.integer(p.get(i), "prompt[" + i + "]");
                if (ids[i] < 0 || ids[i] >= vocab) throw ApiException.badRequest("prompt[" + i + "] = " + ids[i] + " is outside the vocabulary [0, " + vocab + ")");
            }
            return ids;
        }
        throw ApiException.badRequest("prompt must be a string, a list of one string, or a list of token ids");
    }

    private static int[] chatPrompt(JsonNode body, Engine engine) {
        JsonNode msgs = JsonFields.array(body, "messages", "");
        if (msgs == null || msgs.isEmpty()) throw ApiException.badRequest("messages is missing or empty");
        List<ChatMessage> list = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) {
            String mp = "messages[" + i + "].";
            JsonNode m = msgs.get(i);
            if (!m.isObject()) throw ApiException.badRequest("messages[" + i + "] must be an object {role, content}");
            String role = JsonFields.string(m, "role", mp, null);
            if (role == null || role.isEmpty()) throw ApiException.badRequest(mp + "role is missing or empty");
            list.add(new ChatMessage(role, content(m, mp)));
        }
        try {
            return engine.encodeChat(list);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("cannot render the chat: " + e.getMessage());
        }
    }

    private static String content(JsonNode m, String mp) {
        JsonNode c = m.get("content");
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.asText();
        if (c.isArray()) { // [{"type":"text","text":"..."}]
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!"text".equals(part.path("type").asText())) throw ApiException.badRequest(mp + "content: only text parts are supported");
                sb.append(part.path("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.badRequest(mp + "content must be a string or a list of text parts");
    }

    private static List<String> stops(JsonNode body) {
        if (!JsonFields.has(body, "stop")) return List.of();
        JsonNode s = body.get("stop");
        if (s.isTextual()) return List.of(s.asText());
        if (s.isArray() && s.size() <= 4) {
            List<String> out = new ArrayList<>();
            for (JsonNode x : s) {
                if (!x.isTextual()) throw ApiException.badRequest("stop must hold strings");
                out.add(x.asText());
            }
            return out;
        }
        throw ApiException.badRequest("stop must be a string or a list of at most 4 strings");
    }

    private static MonitorSpec monitor(JsonNode body, Registry registry) {
        JsonNode m = JsonFields.object(body, "monitor", "");
        if (m == null) return null;
        Registry.Dictionary sae = registry.sae(JsonFields.string(m, "sae", "monitor.", null), "monitor.sae");
        JsonNode ls = JsonFields.array(m, "latents", "monitor.");
        int top = JsonFields.integer(m, "top_k", "monitor.", 0);
        if (top < 0 || top > 64) throw ApiException.badRequest("monitor.top_k must be within 0..64, got " + top);
        int[] latents = new int[ls == null ? 0 : ls.size()];
        if (latents.length > 64) throw ApiException.badRequest("monitor.latents may name at most 64 latents");
        for (int i = 0; i < latents.length; i++) {
            latents[i] = JsonFields.integer(ls.get(i), "monitor.latents[" + i + "]");
            if (latents[i] < 0 || latents[i] >= sae.dSae()) {
                throw ApiException.badRequest("monitor.latents[" + i + "] = " + latents[i] + " is outside SAE '" + sae.name()
                        + "' latents [0, " + sae.dSae() + ")");
            }
        }
        if (latents.length == 0 && top == 0) throw ApiException.badRequest("monitor needs latents (a list of indices) or top_k");
        return new MonitorSpec(sae, latents, top);
    }
}
