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
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SAELens: cfg.json + sae_weights.safetensors. Configs from SAELens >= 6 nest hook and model under "metadata";
 * older ones are flat (hook_point, activation_fn_str, activation_fn_kwargs.k, boolean normalize_activations) and
 * are upgraded the way SAELens's handle_pre_6_0_config does.
 */
public final class SaeLensFormat implements SaeFormat {
    public static final String CFG = "cfg.json";
    public static final String WEIGHTS = "sae_weights.safetensors";

    @Override
    public String name() { return "saelens"; }

    @Override
    public boolean matches(Path path) {
        return Files.isRegularFile(path.resolve(CFG)) && Files.isRegularFile(path.resolve(WEIGHTS));
    }

    @Override
    public Sae load(Path dir) throws IOException {
        Path cfgFile = dir.resolve(CFG);
        JsonNode cfg = Json.read(cfgFile);
        if (!cfg.isObject()) throw new InvalidFileException(cfgFile + " is not a JSON object");
        boolean v6 = isV6(cfg);
        JsonNode meta = cfg.path("metadata");

        int dIn = requireInt(cfg, "d_in", cfgFile);
        int dSae = requireInt(cfg, "d_sae", cfgFile);
        String archName;
        int k = 0;
        if (v6) {
            archName = cfg.path("architecture").asText(null);
            if (archName == null) throw new InvalidFileException(cfgFile + " lacks 'architecture'");
            k = cfg.path("k").asInt(0);
        } else {
            archName = cfg.path("architecture").asText("standard");
            String act = cfg.has("activation_fn_str") ? cfg.path("activation_fn_str").asText() : cfg.path("activation_fn").asText("relu");
            JsonNode kNode = cfg.path("activation_fn_kwargs").path("k");
            if (act.equals("topk") && kNode.canConvertToInt()) {
                archName = "topk";
                k = kNode.asInt();
            }
        }
        Architecture arch;
        try {
            arch = Architecture.parse(archName);
        } catch (IllegalArgumentException e) {
            throw new InvalidFileException(cfgFile + ": " + e.getMessage());
        }
        if (arch == Architecture.TOPK && k == 0) k = cfg.path("k").asInt(0);
        Normalization norm;
        try {
            JsonNode n = cfg.get("normalize_activations");
            norm = n == null || n.isNull() ? Normalization.NONE : Normalization.parse(n.asText());
        } catch (IllegalArgumentException e) {
            throw new InvalidFileException(cfgFile + ": " + e.getMessage());
        }
        boolean applyBDec = cfg.path("apply_b_dec_to_input").asBoolean(true);
        boolean rescale = cfg.path("rescale_acts_by_decoder_norm").asBoolean(false);
        String hook = v6 ? text(meta, "hook_name") : (cfg.has("hook_point") ? text(cfg, "hook_point") : text(cfg, "hook_name"));
        String model = v6 ? text(meta, "model_name") : text(cfg, "model_name");

        SaeConfig config;
        try {
            config = new SaeConfig(arch, dIn, dSae, k, applyBDec, norm, rescale, hook, model, name());
        } catch (IllegalArgumentException e) {
            throw new InvalidFileException(cfgFile + ": " + e.getMessage());
        }
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            float[] wEnc = Tensors.get(f, "W_enc", dIn, dSae);
            float[] wDec = Tensors.get(f, "W_dec", dSae, dIn);
            float[] bDec = Tensors.get(f, "b_dec", dIn);
            float[] bEnc = Tensors.getOptional(f, "b_enc", dSae);
            float[] threshold = Tensors.getOptional(f, "threshold", dSae);
            if (threshold == null && f.has("log_threshold")) {
                threshold = Tensors.get(f, "log_threshold", dSae);
                for (int j = 0; j < threshold.length; j++) threshold[j] = (float) Math.exp(threshold[j]);
            }
            float[] scaling = Tensors.getOptional(f, "scaling_factor", dSae);
            if (scaling != null) foldFinetuningScale(scaling, wDec, dIn);
            SaeWeights w = SaeWeights.ofSaeLens(wEnc, bEnc, wDec, bDec, threshold,
                    Tensors.getOptional(f, "b_gate", dSae), Tensors.getOptional(f, "b_mag", dSae), Tensors.getOptional(f, "r_mag", dSae));
            try {
                return Sae.create(config, w);
            } catch (IllegalArgumentException e) {
                throw new InvalidFileException(dir + ": " + e.getMessage());
            }
        }
    }

    /** Old SAELens multiplied activations by a per-latent scaling_factor before decoding; fold it into W_dec rows. */
    private static void foldFinetuningScale(float[] s, float[] wDec, int dIn) {
        for (int j = 0; j < s.length; j++) {
            if (s[j] == 1f) continue;
            for (int d = 0; d < dIn; d++) wDec[j * dIn + d] *= s[j];
        }
    }

    private static final Pattern MAJOR_VERSION = Pattern.compile("\\s*(\\d+)");

    static boolean isV6(JsonNode cfg) {
        String v = cfg.path("sae_lens_version").asText(null);
        if (v == null) v = cfg.path("metadata").path("sae_lens_version").asText(null);
        if (v == null || v.equals("null")) return false;
        // The major version is the leading number ("6.5.1", "6-rc1"); a version without one is read as pre-6.
        Matcher major = MAJOR_VERSION.matcher(v);
        return major.lookingAt() && new BigInteger(major.group(1)).compareTo(BigInteger.valueOf(6)) >= 0;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static int requireInt(JsonNode cfg, String field, Path file) throws InvalidFileException {
        JsonNode v = cfg.get(field);
        if (v == null || !v.isNumber() || !v.canConvertToInt() || v.asDouble() != Math.rint(v.asDouble()) || v.asInt() <= 0) {
            throw new InvalidFileException(file + ": '" + field + "' must be a positive integer, got " + v);
        }
        return v.asInt();
    }
}
