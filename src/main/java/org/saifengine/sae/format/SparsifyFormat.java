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
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * EleutherAI sparsify: cfg.json (SparseCoderConfig + d_in) and sae.safetensors with encoder.weight [d_sae, d_in],
 * encoder.bias, W_dec, b_dec. Encoding follows sparsify's SparseCoder.encode: subtract b_dec (SAEs, not transcoders),
 * relu(x W^T + b), keep the top k. W_dec's orientation is decided by its shape against d_in (sparsify stores
 * [d_sae, d_in]; SAELens's sparsify loader transposes it, so both layouts occur in the wild).
 */
public final class SparsifyFormat implements SaeFormat {
    public static final String CFG = "cfg.json";
    public static final String WEIGHTS = "sae.safetensors";
    private static final Pattern LAYER = Pattern.compile("layers[._](\\d+)(\\.mlp)?$");

    @Override
    public String name() { return "sparsify"; }

    @Override
    public boolean matches(Path path) {
        return Files.isRegularFile(path.resolve(CFG)) && Files.isRegularFile(path.resolve(WEIGHTS));
    }

    @Override
    public Sae load(Path dir) throws IOException {
        Path cfgFile = dir.resolve(CFG);
        JsonNode c = Json.read(cfgFile);
        int dIn = SaeLensFormat.requireInt(c, "d_in", cfgFile);
        String activation = c.path("activation").asText("topk");
        if (!activation.equals("topk")) {
            throw new InvalidFileException(cfgFile + ": sparsify activation '" + activation + "' is not supported (only topk)");
        }
        if (c.path("transcode").asBoolean(false)) {
            throw new InvalidFileException(cfgFile + ": this is a sparsify transcoder (transcode=true); only SAEs are supported");
        }
        int k = SaeLensFormat.requireInt(c, "k", cfgFile);
        int dSae = latents(c, dIn, cfgFile);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            if (f.has("W_skip")) throw new InvalidFileException(dir + ": sparsify SAE with a skip connection (W_skip) is not supported");
            float[] encoderRows = Tensors.get(f, "encoder.weight", dSae, dIn); // already latent-major
            float[] bEnc = Tensors.get(f, "encoder.bias", dSae);
            Tensor dec = f.get("W_dec");
            long[] s = dec.shape();
            float[] wDec;
            if (Arrays.equals(s, new long[]{dSae, dIn})) {
                wDec = dec.toFloatArray();
            } else if (Arrays.equals(s, new long[]{dIn, dSae})) {
                wDec = Tensors.transpose(dec.toFloatArray(), dIn, dSae);
            } else {
                throw new InvalidFileException("SAE tensor 'W_dec' in " + dir + " has shape " + Arrays.toString(s)
                        + " but d_in=" + dIn + ", d_sae=" + dSae + " need [" + dSae + ", " + dIn + "] or its transpose");
            }
            float[] bDec = Tensors.get(f, "b_dec", dIn);
            SaeConfig cfg = new SaeConfig(Architecture.TOPK, dIn, dSae, k, true, Normalization.NONE, false,
                    inferHook(dir), null, name());
            try {
                return Sae.create(cfg, new SaeWeights(encoderRows, bEnc, wDec, bDec, null, null, null, null));
            } catch (IllegalArgumentException e) {
                throw new InvalidFileException(dir + ": " + e.getMessage());
            }
        }
    }

    /** num_latents, or where it is 0 or absent (sparsify's default), d_in x expansion_factor (default 32). */
    private static int latents(JsonNode c, int dIn, Path cfgFile) throws InvalidFileException {
        JsonNode n = c.get("num_latents");
        if (n != null && !(n.isNumber() && n.asDouble() == 0)) return SaeLensFormat.requireInt(c, "num_latents", cfgFile);
        int expansion = c.has("expansion_factor") ? SaeLensFormat.requireInt(c, "expansion_factor", cfgFile) : 32;
        long latents = (long) dIn * expansion;
        if (latents > Integer.MAX_VALUE) {
            throw new InvalidFileException(cfgFile + ": d_in " + dIn + " x expansion_factor " + expansion + " latents is over 2^31");
        }
        return (int) latents;
    }

    /** sparsify names folders by HF module ("layers.10", "layers.10.mlp"). */
    static String inferHook(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        if (name == null) return null;
        Matcher m = LAYER.matcher(name.toString());
        if (!m.find()) return null;
        return "blocks." + m.group(1) + (m.group(2) != null ? ".hook_mlp_out" : ".hook_resid_post");
    }
}
