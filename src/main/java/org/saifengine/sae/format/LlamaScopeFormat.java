package org.saifengine.sae.format;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.io.InvalidFileException;
import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsFile;
import org.saifengine.sae.Architecture;
import org.saifengine.sae.Normalization;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Llama Scope (OpenMOSS lm-saes): hyperparams.json + checkpoints/final.safetensors with encoder.weight
 * [d_sae, d_model] (kept as is: it is our latent-major encoder), encoder.bias, decoder.weight [d_model, d_sae],
 * decoder.bias.
 *
 * <p>Semantics are OpenMOSS's own inference path (OpenMOSS/Language-Model-SAEs, src/lm_saes/sae.py at commit
 * 00366e29c88a1ac95f8df610212db8aee1d554cf: {@code standardize_parameters_of_dataset_norm} then {@code encode};
 * abstract_sae.py's {@code from_config} runs that standardisation when loading). With s_in, s_out =
 * sqrt(d_model) / dataset_average_activation_norm.{in,out} (norm_activation "dataset-wise"), on raw x:
 * <pre>
 *   h      = (x - [apply_decoder_bias_to_pre_encoder] b_D / s_out) · W_E^T + b_E / s_in
 *   gate_j = h_j · (||W_D[:, j]|| · s_in / s_out if sparsity_include_decoder_norm else 1) > jump_relu_threshold
 *   acts   = h · gate;   reconstruction = acts · (W_D · s_in / s_out)^T + b_D / s_out
 * </pre>
 * We store that SAE with the dataset scale folded the way SAELens folds it (W_enc = s_in·W_E^T, b_enc = b_E,
 * W_dec = W_D^T / s_out, b_dec = b_D / s_out), so our pre-activations and values are s_in·h (SAELens's and
 * Neuronpedia's convention), the reconstruction is OpenMOSS's, and the scalar threshold becomes the per-latent
 * s_in·θ / (||W_D[:, j]||·s_in/s_out) (just s_in·θ without sparsity_include_decoder_norm, which equals SAELens's
 * loader). "inference" means already standardised (s = 1); "token-wise" is constant_norm_rescale.
 */
public final class LlamaScopeFormat implements SaeFormat {
    public static final String HYPERPARAMS = "hyperparams.json";
    public static final String WEIGHTS = "checkpoints/final.safetensors";

    @Override
    public String name() { return "llama-scope"; }

    @Override
    public boolean matches(Path path) {
        return Files.isRegularFile(path.resolve(HYPERPARAMS));
    }

    @Override
    public Sae load(Path dir) throws IOException {
        Path hp = dir.resolve(HYPERPARAMS);
        JsonNode h = Json.read(hp);
        int dIn = SaeLensFormat.requireInt(h, "d_model", hp);
        int dSae = SaeLensFormat.requireInt(h, "d_sae", hp);
        String act = h.path("act_fn").asText("jumprelu");
        Architecture arch;
        int k = 0;
        switch (act.toLowerCase(Locale.ROOT)) {
            case "jumprelu", "jump_relu" -> arch = Architecture.JUMPRELU;
            case "relu" -> arch = Architecture.STANDARD;
            case "topk" -> {
                arch = Architecture.TOPK;
                k = SaeLensFormat.requireInt(h, "top_k", hp);
            }
            default -> throw new InvalidFileException(hp + ": unsupported act_fn '" + act + "' (supported: jumprelu, relu, topk)");
        }
        // OpenMOSS's config defaults (BaseSAEConfig): sparsity_include_decoder_norm true, use_decoder_bias true.
        boolean decoderNormGate = h.path("sparsity_include_decoder_norm").asBoolean(true);
        boolean useDecoderBias = h.path("use_decoder_bias").asBoolean(true);
        boolean applyBDec = useDecoderBias && h.path("apply_decoder_bias_to_pre_encoder").asBoolean(false);
        JsonNode avg = h.path("dataset_average_activation_norm");
        String normMode = h.path("norm_activation").asText(avg.path("in").isNumber() ? "dataset-wise" : "inference");
        double sIn = 1, sOut = 1;
        Normalization norm = Normalization.NONE;
        switch (normMode) {
            case "dataset-wise" -> {
                double in = positive(avg.path("in"), "dataset_average_activation_norm.in", hp);
                double out = avg.path("out").isMissingNode() || avg.path("out").isNull() ? in
                        : positive(avg.path("out"), "dataset_average_activation_norm.out", hp);
                sIn = Math.sqrt(dIn) / in;
                sOut = Math.sqrt(dIn) / out;
            }
            case "inference" -> { }
            case "token-wise" -> norm = Normalization.CONSTANT_NORM_RESCALE;
            default -> throw new InvalidFileException(hp + ": unsupported norm_activation '" + normMode
                    + "' (supported: dataset-wise, inference, token-wise)");
        }
        JsonNode t = h.get("jump_relu_threshold");
        if (arch == Architecture.JUMPRELU && (t == null || !t.isNumber())) {
            throw new InvalidFileException(hp + ": 'jump_relu_threshold' must be a number, got " + t);
        }
        Path wf = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(wf)) throw new IOException("Llama Scope weights not found: " + wf);
        float[] rows, bEnc, wDec, bDec;
        try (SafetensorsFile f = SafetensorsFile.open(wf)) {
            rows = Tensors.get(f, "encoder.weight", dSae, dIn);
            bEnc = Tensors.get(f, "encoder.bias", dSae);
            wDec = Tensors.transpose(Tensors.get(f, "decoder.weight", dIn, dSae), dIn, dSae);
            bDec = useDecoderBias ? Tensors.get(f, "decoder.bias", dIn) : new float[dIn];
        }
        // Decoder column norms of the standardised decoder (W_D · s_in / s_out), as the gate sees them.
        float[] gateNorm = new float[dSae];
        for (int j = 0; j < dSae; j++) {
            double ss = 0;
            for (int d = 0; d < dIn; d++) ss += (double) wDec[j * dIn + d] * wDec[j * dIn + d];
            gateNorm[j] = (float) (Math.sqrt(ss) * sIn / sOut);
        }
        float[] threshold = null; // sized only once the tensors have confirmed d_sae (a fuzzed d_sae must not allocate)
        if (arch == Architecture.JUMPRELU) {
            threshold = new float[dSae];
            for (int j = 0; j < dSae; j++) {
                double g = decoderNormGate ? gateNorm[j] : 1.0;
                if (!(g > 0)) throw new InvalidFileException(wf + ": decoder column " + j + " is zero, so its JumpReLU gate is undefined");
                threshold[j] = (float) (t.asDouble() * sIn / g);
            }
        }
        if (sIn != 1) for (int i = 0; i < rows.length; i++) rows[i] = (float) (rows[i] * sIn);
        if (sOut != 1) {
            for (int i = 0; i < wDec.length; i++) wDec[i] = (float) (wDec[i] / sOut);
            for (int i = 0; i < bDec.length; i++) bDec[i] = (float) (bDec[i] / sOut);
        }
        SaeConfig cfg = new SaeConfig(arch, dIn, dSae, k, applyBDec, norm, arch == Architecture.TOPK && decoderNormGate,
                h.path("hook_point_in").asText(null), null, name());
        try {
            return Sae.create(cfg, new SaeWeights(rows, bEnc, wDec, bDec, threshold, null, null, null));
        } catch (IllegalArgumentException e) {
            throw new InvalidFileException(dir + ": " + e.getMessage());
        }
    }

    private static double positive(JsonNode v, String what, Path file) throws InvalidFileException {
        if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
            throw new InvalidFileException(file + ": " + what + " must be a positive number, got " + v);
        }
        return v.asDouble();
    }
}
