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
import java.util.Arrays;

/**
 * Llama Scope (OpenMOSS): hyperparams.json + checkpoints/final.safetensors with encoder.weight [d_sae, d_model],
 * encoder.bias, decoder.weight [d_model, d_sae], decoder.bias (bf16), transposed here into SAELens orientation.
 * Follows SAELens's llama_scope loader plus its from_pretrained fold: the dataset-wise input scale
 * s = sqrt(d_model) / dataset_average_activation_norm.in is folded into the weights (W_enc*s, W_dec/s, b_dec/s) and
 * the scalar jump_relu_threshold, times s, becomes a per-latent threshold.
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
        switch (act.toLowerCase()) {
            case "jumprelu", "jump_relu" -> arch = Architecture.JUMPRELU;
            case "relu" -> arch = Architecture.STANDARD;
            case "topk" -> {
                arch = Architecture.TOPK;
                k = SaeLensFormat.requireInt(h, "top_k", hp);
            }
            default -> throw new InvalidFileException(hp + ": unsupported act_fn '" + act + "' (supported: jumprelu, relu, topk)");
        }
        JsonNode avgIn = h.path("dataset_average_activation_norm").path("in");
        float scale = 1f;
        if (avgIn.isNumber()) {
            if (!(avgIn.asDouble() > 0)) throw new InvalidFileException(hp + ": dataset_average_activation_norm.in must be positive, got " + avgIn);
            scale = (float) (Math.sqrt(dIn) / avgIn.asDouble());
        }
        JsonNode t = h.get("jump_relu_threshold");
        if (arch == Architecture.JUMPRELU && (t == null || !t.isNumber())) {
            throw new InvalidFileException(hp + ": 'jump_relu_threshold' must be a number, got " + t);
        }
        Path wf = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(wf)) throw new IOException("Llama Scope weights not found: " + wf);
        SaeConfig cfg = new SaeConfig(arch, dIn, dSae, k, false,
                avgIn.isNumber() ? Normalization.EXPECTED_AVERAGE_ONLY_IN : Normalization.NONE, false,
                h.path("hook_point_in").asText(null), null, name());
        Sae sae;
        try (SafetensorsFile f = SafetensorsFile.open(wf)) {
            float[] encoderRows = Tensors.get(f, "encoder.weight", dSae, dIn); // already latent-major
            float[] wDec = Tensors.transpose(Tensors.get(f, "decoder.weight", dIn, dSae), dIn, dSae);
            float[] bEnc = Tensors.get(f, "encoder.bias", dSae);
            float[] bDec = Tensors.get(f, "decoder.bias", dIn);
            float[] threshold = null; // sized only once the tensors have confirmed d_sae
            if (arch == Architecture.JUMPRELU) {
                threshold = new float[dSae];
                Arrays.fill(threshold, (float) (t.asDouble() * scale));
            }
            try {
                sae = Sae.create(cfg, new SaeWeights(encoderRows, bEnc, wDec, bDec, threshold, null, null, null));
            } catch (IllegalArgumentException e) {
                throw new InvalidFileException(dir + ": " + e.getMessage());
            }
        }
        if (avgIn.isNumber()) sae.foldActivationNormScalingFactor(scale);
        return sae;
    }
}
