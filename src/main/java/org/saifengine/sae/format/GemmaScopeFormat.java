package org.saifengine.sae.format;

import org.saifengine.io.InvalidFileException;
import org.saifengine.io.SafetensorsFile;
import org.saifengine.io.npy.NpyArray;
import org.saifengine.io.npy.NpzFile;
import org.saifengine.sae.Architecture;
import org.saifengine.sae.Normalization;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gemma Scope: a JumpReLU SAE per folder, as params.npz (Gemma 2 releases; W_enc [d_in, d_sae], W_dec [d_sae, d_in],
 * b_enc, b_dec, threshold, f32) or params.safetensors with lowercase w_enc/w_dec (Gemma Scope 2). Raw activations go
 * in: no b_dec subtraction, no normalisation (SAELens's gemma loaders say the same). Embedding SAEs get SAELens's
 * extra W_enc/sqrt(d), W_dec*sqrt(d). The hook is inferred from the folder path (layer_N, res/mlp) when possible.
 */
public final class GemmaScopeFormat implements SaeFormat {
    public static final String NPZ = "params.npz";
    public static final String SAFETENSORS = "params.safetensors";
    private static final Pattern LAYER = Pattern.compile("(?<![A-Za-z0-9])layer_(\\d+)");

    @Override
    public String name() { return "gemma-scope"; }

    @Override
    public boolean matches(Path path) {
        if (Files.isRegularFile(path)) {
            String n = path.getFileName().toString();
            return n.endsWith(".npz") || n.equals(SAFETENSORS);
        }
        return Files.isRegularFile(path.resolve(NPZ)) || Files.isRegularFile(path.resolve(SAFETENSORS));
    }

    @Override
    public Sae load(Path path) throws IOException {
        Path file = Files.isRegularFile(path) ? path
                : Files.isRegularFile(path.resolve(NPZ)) ? path.resolve(NPZ) : path.resolve(SAFETENSORS);
        Map<String, Array> arrays = file.getFileName().toString().endsWith(".npz") ? readNpz(file) : readSafetensors(file);
        if (arrays.containsKey("affine_skip_connection")) {
            throw new InvalidFileException(file + " is a Gemma Scope transcoder (affine_skip_connection); only SAEs are supported");
        }
        Array wEnc = require(arrays, "W_enc", file);
        if (wEnc.shape.length != 2) throw new InvalidFileException("W_enc in " + file + " has shape " + Arrays.toString(wEnc.shape) + "; expected [d_in, d_sae]");
        int dIn = Tensors.toInt(wEnc.shape[0], "d_in"), dSae = Tensors.toInt(wEnc.shape[1], "d_sae");
        Array wDec = require(arrays, "W_dec", file);
        Tensors.requireShape(file, "W_dec", wDec.shape, dSae, dIn);
        float[] bEnc = vector(arrays, "b_enc", dSae, file);
        float[] bDec = vector(arrays, "b_dec", dIn, file);
        float[] thr = vector(arrays, "threshold", dSae, file);

        String site = site(file);
        float[] enc = wEnc.data, dec = wDec.data;
        if (site.equals("embedding")) {
            float r = (float) Math.sqrt(dIn);
            for (int i = 0; i < enc.length; i++) enc[i] /= r;
            for (int i = 0; i < dec.length; i++) dec[i] *= r;
        }
        SaeConfig cfg = new SaeConfig(Architecture.JUMPRELU, dIn, dSae, 0, false, Normalization.NONE, false,
                inferHook(file), null, name());
        try {
            return Sae.create(cfg, SaeWeights.ofSaeLens(enc, bEnc, dec, bDec, thr, null, null, null));
        } catch (IllegalArgumentException e) {
            throw new InvalidFileException(file + ": " + e.getMessage());
        }
    }

    /**
     * blocks.L.hook_resid_post / hook_mlp_out from the nearest folder named "layer_L..." above the file and its site
     * ({@link #site}); null where there is no layer or the site is attention (not a hook point we read).
     */
    static String inferHook(Path file) {
        String layer = null;
        for (Path p = file.toAbsolutePath().normalize().getParent(); p != null && layer == null; p = p.getParent()) {
            Matcher m = p.getFileName() == null ? null : LAYER.matcher(p.getFileName().toString());
            if (m != null && m.find()) layer = m.group(1);
        }
        return switch (site(file)) {
            case "mlp" -> layer == null ? null : "blocks." + layer + ".hook_mlp_out";
            case "att", "embedding" -> null;
            default -> layer == null ? null : "blocks." + layer + ".hook_resid_post";
        };
    }

    /**
     * res, mlp, att or embedding: the first such word (between '-', '_' or '.') in the folders above the file, nearest
     * first, as Gemma Scope names them ("gemma-scope-2b-pt-mlp/layer_3/...", "gemma-scope-2b-pt-res/embedding/...",
     * Gemma Scope 2's "attn_out/layer_5_width_16k_l0_medium"); res if none. Whole words, so that a folder such as
     * "/home/matt" above the release does not read as attention.
     */
    static String site(Path file) {
        for (Path p = file.toAbsolutePath().normalize().getParent(); p != null && p.getFileName() != null; p = p.getParent()) {
            for (String word : p.getFileName().toString().toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
                switch (word) {
                    case "res", "resid" -> { return "res"; }
                    case "mlp" -> { return "mlp"; }
                    case "att", "attn" -> { return "att"; }
                    case "embedding" -> { return "embedding"; }
                    default -> { }
                }
            }
        }
        return "res";
    }

    private record Array(long[] shape, float[] data) {}

    private static Map<String, Array> readNpz(Path file) throws IOException {
        Map<String, Array> out = new HashMap<>();
        for (var e : NpzFile.read(file).entrySet()) {
            NpyArray a = e.getValue();
            out.put(canonical(e.getKey()), new Array(a.shape(), a.data()));
        }
        return out;
    }

    private static Map<String, Array> readSafetensors(Path file) throws IOException {
        Map<String, Array> out = new HashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (var e : f.tensors().entrySet()) {
                out.put(canonical(e.getKey()), new Array(e.getValue().shape(), e.getValue().toFloatArray()));
            }
        }
        return out;
    }

    /** w_enc -> W_enc (SAELens renames keys starting with "w_"). */
    private static String canonical(String key) {
        return key.startsWith("w_") ? "W_" + key.substring(2) : key;
    }

    private static Array require(Map<String, Array> m, String name, Path file) throws InvalidFileException {
        Array a = m.get(name);
        if (a == null) throw new InvalidFileException("tensor '" + name + "' is missing from " + file + " (has " + m.keySet() + ")");
        return a;
    }

    private static float[] vector(Map<String, Array> m, String name, int n, Path file) throws InvalidFileException {
        Array a = require(m, name, file);
        Tensors.requireShape(file, name, a.shape, n);
        return a.data;
    }
}
