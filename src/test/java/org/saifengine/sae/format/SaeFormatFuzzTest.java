package org.saifengine.sae.format;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.sae.Sae;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing of the SAE formats (issue 9): config parsing plus its cross-check against the tensors.
 * <ul>
 * <li>config: byte 0 picks the format (SAELens cfg.json v6 or pre-6, sparsify cfg.json, Llama Scope
 *     hyperparams.json), byte 1 the tensor shapes (d_in 1..4, d_sae 1..8), byte 2 the optional tensors; the rest is
 *     the config text. The tensors are written once per shape (valid safetensors), the config each run.</li>
 * <li>gemmaScopeNpz: the bytes are a Gemma Scope params.npz (a zip of .npy members, read by NpzFile).</li>
 * </ul>
 * Any input must load an SAE whose shapes match the tensors, or fail with one IOException / IllegalArgumentException
 * with a message. Seeds: SaeFormatFuzzTestInputs/ (configs as SAELens, sparsify and Llama Scope write them;
 * npz files by numpy's savez / savez_compressed), scripts/gen-parser-fuzz-seeds.py.
 */
class SaeFormatFuzzTest {
    private static final SaeFormat[] FORMATS = {new SaeLensFormat(), new SparsifyFormat(), new LlamaScopeFormat()};
    private static final String[] CONFIG_FILE = {SaeLensFormat.CFG, SparsifyFormat.CFG, LlamaScopeFormat.HYPERPARAMS};
    private static final Map<Integer, Path> DIRS = new HashMap<>();
    private static Path root;

    @FuzzTest(maxDuration = "30s")
    void config(byte[] data) throws IOException {
        if (data.length < 3) return;
        int format = (data[0] & 0xff) % FORMATS.length;
        int dIn = 1 + (data[1] & 3), dSae = 1 + ((data[1] >> 2) & 7), flags = data[2] & 7;
        Path dir = weights(format, dIn, dSae, flags);
        Files.write(dir.resolve(CONFIG_FILE[format]), java.util.Arrays.copyOfRange(data, 3, data.length));
        Sae sae;
        try {
            sae = FORMATS[format].load(dir);
        } catch (IOException | IllegalArgumentException e) {
            requireMessage(e);
            return;
        }
        check(sae, dIn, dSae);
    }

    @FuzzTest(maxDuration = "30s")
    void gemmaScopeNpz(byte[] data) throws IOException {
        Path file = tempRoot().resolve("layer_3/width_16k/params.npz");
        Files.createDirectories(file.getParent());
        Files.write(file, data);
        Sae sae;
        try {
            sae = new GemmaScopeFormat().load(file);
        } catch (IOException | IllegalArgumentException e) {
            requireMessage(e);
            return;
        }
        float[] w = sae.weights().encoderRows();
        if ((long) sae.dIn() * sae.dSae() != w.length) throw new AssertionError("W_enc has " + w.length + " values for " + sae);
        if (!"blocks.3.hook_resid_post".equals(sae.config().hookName())) throw new AssertionError("hook not inferred: " + sae);
        sae.encode(new float[][]{new float[sae.dIn()]}, 0);
    }

    private static void check(Sae sae, int dIn, int dSae) {
        if (sae.dIn() != dIn || sae.dSae() != dSae) {
            throw new AssertionError("loaded " + sae.dIn() + "x" + sae.dSae() + " from tensors of " + dIn + "x" + dSae);
        }
        float[] x = new float[dIn];
        for (int i = 0; i < dIn; i++) x[i] = i - 1.5f;
        sae.encode(new float[][]{x}, 0);
        sae.reconstruct(x);
    }

    private static void requireMessage(Exception e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("error without a message", e);
    }

    /** A directory holding valid tensors of the format at that shape (flags pick optional tensors / bf16). */
    private static synchronized Path weights(int format, int dIn, int dSae, int flags) throws IOException {
        int key = ((format * 8 + dIn) * 16 + dSae) * 8 + flags;
        Path dir = DIRS.get(key);
        if (dir != null) return dir;
        dir = Files.createDirectories(tempRoot().resolve("sae-" + key + "/layers.2"));
        Random r = new Random(key);
        Map<String, float[][]> t = new LinkedHashMap<>(); // name -> {values, shape as floats}
        switch (format) {
            case 0 -> { // SAELens
                put(t, r, "W_enc", dIn, dSae);
                put(t, r, "W_dec", dSae, dIn);
                put(t, r, "b_dec", dIn);
                put(t, r, "b_enc", dSae);
                if ((flags & 1) != 0) put(t, r, "threshold", dSae);
                if ((flags & 2) != 0) put(t, r, "scaling_factor", dSae);
                if ((flags & 4) != 0) put(t, r, "log_threshold", dSae);
            }
            case 1 -> { // sparsify
                put(t, r, "encoder.weight", dSae, dIn);
                put(t, r, "encoder.bias", dSae);
                if ((flags & 1) != 0) put(t, r, "W_dec", dIn, dSae);
                else put(t, r, "W_dec", dSae, dIn);
                put(t, r, "b_dec", dIn);
                if ((flags & 2) != 0) put(t, r, "W_skip", dIn, dIn);
            }
            default -> { // Llama Scope
                put(t, r, "encoder.weight", dSae, dIn);
                put(t, r, "encoder.bias", dSae);
                put(t, r, "decoder.weight", dIn, dSae);
                put(t, r, "decoder.bias", dIn);
            }
        }
        String file = format == 0 ? SaeLensFormat.WEIGHTS : format == 1 ? SparsifyFormat.WEIGHTS : LlamaScopeFormat.WEIGHTS;
        Files.createDirectories(dir.resolve(file).getParent());
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (var e : t.entrySet()) {
                float[] shapeF = e.getValue()[1];
                long[] shape = new long[shapeF.length];
                for (int i = 0; i < shape.length; i++) shape[i] = (long) shapeF[i];
                tensors.put(e.getKey(), Tensor.ofFloats(arena, e.getValue()[0], shape));
            }
            SafetensorsWriter.write(dir.resolve(file), tensors, Map.of());
        }
        DIRS.put(key, dir);
        return dir;
    }

    private static void put(Map<String, float[][]> t, Random r, String name, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * 0.5f;
        float[] s = new float[shape.length];
        for (int i = 0; i < shape.length; i++) s[i] = shape[i];
        t.put(name, new float[][]{v, s});
    }

    private static synchronized Path tempRoot() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("sae-format-fuzz");
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (Stream<Path> s = Files.walk(r)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException | UncheckedIOException ignored) {
                    // best effort: a temp directory
                }
            }));
        }
        return root;
    }
}
