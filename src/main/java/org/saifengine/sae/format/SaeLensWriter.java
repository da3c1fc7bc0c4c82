package org.saifengine.sae.format;

import org.saifengine.io.AtomicFiles;
import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.sae.Architecture;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes an SAE in SAELens 6 format (cfg.json + sae_weights.safetensors, f32), each file atomically; the weights
 * go first so that a cfg.json is only ever next to complete weights.
 */
public final class SaeLensWriter {
    /** The SAELens config layout we write (cfg.json "metadata.sae_lens_version" selects the v6 reader). */
    public static final String FORMAT_VERSION = "6.0.0";

    private SaeLensWriter() {}

    public static void write(Sae sae, Path dir) throws IOException {
        write(sae, dir, Map.of());
    }

    /** @param extraMetadata extra entries for cfg.json's "metadata" (e.g. training statistics) */
    public static void write(Sae sae, Path dir, Map<String, Object> extraMetadata) throws IOException {
        Files.createDirectories(dir);
        SaeConfig c = sae.config();
        SaeWeights w = sae.weights();
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("W_dec", Tensor.ofFloats(arena, w.wDec(), c.dSae(), c.dIn()));
            t.put("W_enc", Tensor.ofFloats(arena, w.wEnc(c.dIn(), c.dSae()), c.dIn(), c.dSae()));
            t.put("b_dec", Tensor.ofFloats(arena, w.bDec(), c.dIn()));
            switch (c.architecture()) {
                case STANDARD, TOPK -> t.put("b_enc", Tensor.ofFloats(arena, w.bEnc(), c.dSae()));
                case JUMPRELU -> {
                    t.put("b_enc", Tensor.ofFloats(arena, w.bEnc(), c.dSae()));
                    t.put("threshold", Tensor.ofFloats(arena, w.threshold(), c.dSae()));
                }
                case GATED -> {
                    t.put("b_gate", Tensor.ofFloats(arena, w.bGate(), c.dSae()));
                    t.put("b_mag", Tensor.ofFloats(arena, w.bMag(), c.dSae()));
                    t.put("r_mag", Tensor.ofFloats(arena, w.rMag(), c.dSae()));
                }
            }
            SafetensorsWriter.write(dir.resolve(SaeLensFormat.WEIGHTS), t, Map.of());
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("d_in", c.dIn());
        cfg.put("d_sae", c.dSae());
        cfg.put("dtype", "float32");
        cfg.put("device", "cpu");
        cfg.put("apply_b_dec_to_input", c.applyBDecToInput());
        cfg.put("normalize_activations", c.normalization().saeLensName);
        cfg.put("reshape_activations", "none");
        if (c.architecture() == Architecture.TOPK) {
            cfg.put("k", c.k());
            cfg.put("rescale_acts_by_decoder_norm", c.rescaleActsByDecoderNorm());
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("sae_lens_version", FORMAT_VERSION);
        meta.put("sae_lens_training_version", FORMAT_VERSION);
        meta.put("model_name", c.modelName());
        meta.put("hook_name", c.hookName());
        meta.put("hook_head_index", null);
        meta.put("prepend_bos", true);
        meta.put("written_by", "saif-engine");
        meta.putAll(extraMetadata);
        cfg.put("metadata", meta);
        cfg.put("architecture", c.architecture().saeLensName);
        AtomicFiles.writeString(dir.resolve(SaeLensFormat.CFG), Json.pretty(cfg));
    }
}
