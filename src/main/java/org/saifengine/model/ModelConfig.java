package org.saifengine.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.backend.Activation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A decoder-only transformer's configuration, read from a Hugging Face {@code config.json}. This record is the
 * only place HF config keys appear; the forward pass sees flags, not family names.
 *
 * @param architecture       family
 * @param vocabSize          vocabulary rows of the embedding and unembedding
 * @param hiddenSize         d_model
 * @param intermediateSize   MLP hidden size
 * @param layers             decoder blocks
 * @param heads              query heads
 * @param kvHeads            key/value heads (GQA)
 * @param headDim            size of one head (may differ from hiddenSize / heads, e.g. Gemma-2)
 * @param rmsNormEps         RMSNorm epsilon
 * @param rope               rotary embedding settings
 * @param maxPositions       max_position_embeddings
 * @param tiedEmbeddings     the unembedding is the embedding matrix
 * @param qkvBias            q/k/v projections have biases (Qwen2; Llama's attention_bias)
 * @param outputBias         o_proj has a bias (Llama's attention_bias)
 * @param mlpBias            MLP projections have biases (Llama's mlp_bias)
 * @param activation         gate activation of the gated MLP
 * @param normPlusOne        RMSNorm multiplies by (1 + w) (Gemma)
 * @param sandwichNorms      extra norms after attention and MLP, before the residual add (Gemma-2)
 * @param embeddingScale     embeddings are multiplied by sqrt(hiddenSize) (Gemma)
 * @param attentionScale     multiplies q.k: head_dim^-0.5, or query_pre_attn_scalar^-0.5 (Gemma-2)
 * @param attnLogitSoftcap   0 or the attention-logit soft-cap
 * @param finalLogitSoftcap  0 or the final-logit soft-cap
 * @param slidingWindows     per layer: 0 for full attention, else the sliding window length
 * @param bosId              beginning-of-sequence id, or -1
 * @param eosIds             end-of-sequence ids (may be empty)
 */
public record ModelConfig(Architecture architecture, int vocabSize, int hiddenSize, int intermediateSize, int layers,
                          int heads, int kvHeads, int headDim, float rmsNormEps, RopeConfig rope, int maxPositions,
                          boolean tiedEmbeddings, boolean qkvBias, boolean outputBias, boolean mlpBias,
                          Activation activation, boolean normPlusOne, boolean sandwichNorms, boolean embeddingScale,
                          float attentionScale, float attnLogitSoftcap, float finalLogitSoftcap, int[] slidingWindows,
                          int bosId, int[] eosIds) {

    public ModelConfig {
        slidingWindows = slidingWindows.clone();
        eosIds = eosIds.clone();
        require(vocabSize > 0 && hiddenSize > 0 && intermediateSize > 0 && layers > 0, "sizes must be positive");
        require(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                "num_attention_heads (" + heads + ") must be a positive multiple of num_key_value_heads (" + kvHeads + ")");
        require(headDim > 0 && headDim % 2 == 0, "head_dim must be positive and even, got " + headDim);
        require(slidingWindows.length == layers, "need one attention type per layer");
        require(rmsNormEps > 0, "rms_norm_eps must be positive");
    }

    private static void require(boolean ok, String msg) {
        if (!ok) throw new IllegalArgumentException("invalid model config: " + msg);
    }

    public int qDim() { return heads * headDim; }

    public int kvDim() { return kvHeads * headDim; }

    @Override
    public int[] slidingWindows() { return slidingWindows.clone(); }

    @Override
    public int[] eosIds() { return eosIds.clone(); }

    public int slidingWindow(int layer) { return slidingWindows[layer]; }

    /** More layers than any published model has by orders of magnitude. */
    public static final int MAX_LAYERS = 65536;

    /** Parses config.json; any missing, mistyped or unsupported key is an IllegalArgumentException naming it. */
    public static ModelConfig fromJson(JsonNode c) {
        if (c == null || !c.isObject()) throw new IllegalArgumentException("config.json is not a JSON object");
        Architecture arch = architecture(c);
        int hidden = intKey(c, "hidden_size");
        int heads = intKey(c, "num_attention_heads");
        int layers = intKey(c, "num_hidden_layers");
        // Checked before anything is sized by it (a hostile config must not allocate gigabytes of layer tables).
        if (layers < 1 || layers > MAX_LAYERS) {
            throw new IllegalArgumentException("config.json: num_hidden_layers " + layers + " is outside [1, " + MAX_LAYERS + "]");
        }
        int kvHeads = c.hasNonNull("num_key_value_heads") ? intKey(c, "num_key_value_heads") : heads;
        int headDim = c.hasNonNull("head_dim") ? intKey(c, "head_dim")
                : arch == Architecture.GEMMA2 ? 256 : heads > 0 ? hidden / heads : 0; // 0 heads: the constructor says so
        boolean gemma = arch == Architecture.GEMMA2;
        float eps = (float) doubleKey(c, "rms_norm_eps", 1e-6);
        String act = c.hasNonNull("hidden_activation") ? textKey(c, "hidden_activation")
                : c.hasNonNull("hidden_act") ? textKey(c, "hidden_act") : gemma ? "gelu_pytorch_tanh" : "silu";
        // Gemma-2's HF code always uses the tanh approximation, whatever hidden_act says.
        Activation activation = gemma && act.startsWith("gelu") ? Activation.GELU_TANH : Activation.fromHf(act);
        boolean attnBias = boolKey(c, "attention_bias", false);
        boolean qkvBias = arch == Architecture.QWEN2 || attnBias;
        boolean outBias = arch != Architecture.QWEN2 && attnBias;
        float scale = gemma ? (float) Math.pow(doubleKey(c, "query_pre_attn_scalar", 256), -0.5)
                : (float) Math.pow(headDim, -0.5);
        float attnCap = gemma ? softcap(c, "attn_logit_softcapping", 50.0) : 0f;
        float finalCap = gemma ? softcap(c, "final_logit_softcapping", 30.0) : 0f;
        int[] windows = slidingWindows(c, arch, layers);
        return new ModelConfig(arch, intKey(c, "vocab_size"), hidden, intKey(c, "intermediate_size"), layers,
                heads, kvHeads, headDim, eps, rope(c), c.hasNonNull("max_position_embeddings")
                ? intKey(c, "max_position_embeddings") : gemma ? 8192 : 2048,
                boolKey(c, "tie_word_embeddings", gemma), qkvBias, outBias, boolKey(c, "mlp_bias", false),
                activation, gemma, gemma, gemma, scale, attnCap, finalCap, windows,
                c.hasNonNull("bos_token_id") ? intKey(c, "bos_token_id") : -1, ids(c.get("eos_token_id")));
    }

    private static Architecture architecture(JsonNode c) {
        JsonNode archs = c.get("architectures");
        if (archs != null && archs.isArray() && !archs.isEmpty()) return Architecture.of(archs.get(0).asText());
        if (c.hasNonNull("model_type")) return Architecture.of(c.get("model_type").asText());
        throw new IllegalArgumentException("config.json names no architecture (neither 'architectures' nor 'model_type'); supported: "
                + Architecture.supported());
    }

    private static RopeConfig rope(JsonNode c) {
        // transformers >= 5 writes rope_parameters {rope_type, rope_theta, ...}; older configs rope_theta + rope_scaling.
        JsonNode params = c.hasNonNull("rope_parameters") ? c.get("rope_parameters") : c.get("rope_scaling");
        double theta = c.hasNonNull("rope_theta") ? doubleKey(c, "rope_theta", 10000)
                : params != null && params.hasNonNull("rope_theta") ? doubleKey(params, "rope_theta", 10000) : 10000;
        if (params == null || params.isNull()) return RopeConfig.plain(theta);
        if (!params.isObject()) throw new IllegalArgumentException("config.json: rope_scaling/rope_parameters is not an object");
        String type = params.hasNonNull("rope_type") ? textKey(params, "rope_type")
                : params.hasNonNull("type") ? textKey(params, "type") : "default";
        return switch (type) {
            case "default" -> RopeConfig.plain(theta);
            case "linear" -> new RopeConfig(theta, type, doubleKey(params, "factor", 1), 0, 0, 0);
            case "llama3" -> new RopeConfig(theta, type, requiredDouble(params, "factor"),
                    requiredDouble(params, "low_freq_factor"), requiredDouble(params, "high_freq_factor"),
                    intKey(params, "original_max_position_embeddings"));
            default -> throw new IllegalArgumentException("unsupported rope type '" + type + "' (supported: default, linear, llama3)");
        };
    }

    private static int[] slidingWindows(JsonNode c, Architecture arch, int layers) {
        int window = c.hasNonNull("sliding_window") ? intKey(c, "sliding_window") : arch == Architecture.GEMMA2 ? 4096 : 0;
        List<String> types = new ArrayList<>();
        JsonNode lt = c.get("layer_types");
        if (lt != null && lt.isArray()) {
            lt.forEach(n -> types.add(n.asText()));
            if (types.size() != layers) {
                throw new IllegalArgumentException("config.json: layer_types has " + types.size() + " entries for " + layers + " layers");
            }
        } else {
            for (int i = 0; i < layers; i++) {
                boolean sliding = switch (arch) {
                    case GEMMA2 -> i % 2 == 0; // HF: "sliding_attention" if (i + 1) % 2 else "full_attention"
                    case QWEN2 -> boolKey(c, "use_sliding_window", false)
                            && i >= (c.hasNonNull("max_window_layers") ? intKey(c, "max_window_layers") : 28);
                    case LLAMA -> false;
                };
                types.add(sliding ? "sliding_attention" : "full_attention");
            }
        }
        int[] out = new int[layers];
        for (int i = 0; i < layers; i++) {
            switch (types.get(i)) {
                case "full_attention" -> out[i] = 0;
                case "sliding_attention" -> {
                    if (window <= 0) throw new IllegalArgumentException("config.json: layer " + i + " uses sliding attention but sliding_window is not set");
                    out[i] = window;
                }
                default -> throw new IllegalArgumentException("config.json: unsupported layer type '" + types.get(i)
                        + "' (supported: full_attention, sliding_attention)");
            }
        }
        return out;
    }

    /** A soft-cap: HF's default when the key is absent, none (0) when it is null. */
    private static float softcap(JsonNode c, String key, double dflt) {
        if (c.has(key) && c.get(key).isNull()) return 0f;
        double v = doubleKey(c, key, dflt);
        if (!(v > 0)) throw new IllegalArgumentException("config.json: '" + key + "' must be positive or null, got " + v);
        return (float) v;
    }

    private static int[] ids(JsonNode n) {
        if (n == null || n.isNull()) return new int[0];
        if (n.isInt()) return new int[]{n.asInt()};
        if (n.isArray()) {
            int[] out = new int[n.size()];
            for (int i = 0; i < out.length; i++) {
                if (!n.get(i).isInt()) throw new IllegalArgumentException("config.json: eos_token_id has a non-integer entry " + n.get(i));
                out[i] = n.get(i).asInt();
            }
            return out;
        }
        throw new IllegalArgumentException("config.json: eos_token_id must be an integer or a list, got " + n);
    }

    private static int intKey(JsonNode c, String key) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) throw new IllegalArgumentException("config.json lacks '" + key + "'");
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            if (n.isNumber() && n.asDouble() == Math.rint(n.asDouble())) return (int) n.asDouble();
            throw new IllegalArgumentException("config.json: '" + key + "' must be an integer, got " + n);
        }
        return n.asInt();
    }

    private static double requiredDouble(JsonNode c, String key) {
        if (!c.hasNonNull(key)) throw new IllegalArgumentException("config.json lacks '" + key + "'");
        return doubleKey(c, key, 0);
    }

    private static double doubleKey(JsonNode c, String key, double dflt) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return dflt;
        if (!n.isNumber()) throw new IllegalArgumentException("config.json: '" + key + "' must be a number, got " + n);
        return n.asDouble();
    }

    private static boolean boolKey(JsonNode c, String key, boolean dflt) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return dflt;
        if (!n.isBoolean()) throw new IllegalArgumentException("config.json: '" + key + "' must be true or false, got " + n);
        return n.asBoolean();
    }

    private static String textKey(JsonNode c, String key) {
        JsonNode n = c.get(key);
        if (n == null || !n.isTextual()) throw new IllegalArgumentException("config.json: '" + key + "' must be a string, got " + n);
        return n.asText();
    }

    /** Total parameters implied by this config (tied unembedding counted once). */
    public long parameterCount() {
        long d = hiddenSize, perLayer = 0;
        perLayer += d * qDim() + 2 * d * kvDim() + (long) qDim() * d;
        if (qkvBias) perLayer += qDim() + 2L * kvDim();
        if (outputBias) perLayer += d;
        perLayer += 3 * d * intermediateSize + (mlpBias ? 2L * intermediateSize + d : 0);
        perLayer += (sandwichNorms ? 4 : 2) * d;
        return layers * perLayer + (long) vocabSize * d * (tiedEmbeddings ? 1 : 2) + d;
    }

    @Override
    public String toString() {
        return architecture.hfName + "[d=" + hiddenSize + ", layers=" + layers + ", heads=" + heads + "/" + kvHeads
                + ", head_dim=" + headDim + ", ffn=" + intermediateSize + ", vocab=" + vocabSize
                + ", windows=" + Arrays.toString(slidingWindows) + "]";
    }
}
