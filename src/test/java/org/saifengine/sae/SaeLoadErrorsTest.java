package org.saifengine.sae;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.sae.format.SaeFormats;
import org.saifengine.sae.format.SaeLensWriter;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Bad SAE files give one clear error naming the problem. */
class SaeLoadErrorsTest {
    @TempDir
    Path tmp;

    private Path saved(Architecture arch) throws IOException {
        Sae sae = RandomSaes.make(arch, 16, 40, arch == Architecture.TOPK ? 4 : 0, Normalization.NONE, false, 1);
        Path dir = tmp.resolve(arch.name());
        SaeLensWriter.write(sae, dir);
        return dir;
    }

    @Test
    void roundTripThroughSaeLensFormat() throws IOException {
        for (Architecture arch : Architecture.values()) {
            Sae sae = RandomSaes.make(arch, 16, 40, arch == Architecture.TOPK ? 4 : 0, Normalization.LAYER_NORM, false, 2);
            Path dir = tmp.resolve("rt-" + arch);
            SaeLensWriter.write(sae, dir);
            Sae back = SaeFormats.load(dir);
            assertEquals(arch, back.config().architecture());
            assertEquals(Normalization.LAYER_NORM, back.config().normalization());
            float[] x = RandomSaes.inputs(1, 16, 3)[0];
            assertArrayEquals(sae.reconstruct(x), back.reconstruct(x));
        }
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path dir = saved(Architecture.STANDARD);
        rewriteCfg(dir, "\"architecture\" : \"standard\"", "\"architecture\" : \"mystery\"");
        IOException e = assertThrows(IOException.class, () -> SaeFormats.load(dir));
        assertTrue(e.getMessage().contains("unknown SAE architecture 'mystery'"), e.getMessage());
    }

    @Test
    void cfgShapeDisagreesWithTensors() throws IOException {
        Path dir = saved(Architecture.STANDARD);
        rewriteCfg(dir, "\"d_sae\" : 40", "\"d_sae\" : 41");
        IOException e = assertThrows(IOException.class, () -> SaeFormats.load(dir));
        assertTrue(e.getMessage().contains("W_enc") && e.getMessage().contains("[16, 40]") && e.getMessage().contains("[16, 41]"), e.getMessage());
    }

    @Test
    void missingTensor() throws IOException {
        Path dir = saved(Architecture.JUMPRELU);
        writeWeights(dir, Map.of("threshold", false));
        IOException e = assertThrows(IOException.class, () -> SaeFormats.load(dir));
        assertTrue(e.getMessage().contains("'threshold' is missing"), e.getMessage());
    }

    @Test
    void nanWeights() throws IOException {
        Path dir = saved(Architecture.TOPK);
        writeWeights(dir, Map.of("nan", true));
        IOException e = assertThrows(IOException.class, () -> SaeFormats.load(dir));
        assertTrue(e.getMessage().contains("'b_enc' contains NaN"), e.getMessage());
    }

    @Test
    void topKWithoutK() throws IOException {
        Path dir = saved(Architecture.TOPK);
        rewriteCfg(dir, "\"k\" : 4", "\"k\" : 0");
        IOException e = assertThrows(IOException.class, () -> SaeFormats.load(dir));
        assertTrue(e.getMessage().contains("k"), e.getMessage());
    }

    @Test
    void notAnSaeDirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(dir.resolve("readme.txt"), "hi");
        IOException e = assertThrows(IOException.class, () -> SaeFormats.load(dir));
        assertTrue(e.getMessage().contains("no SAE recognised") && e.getMessage().contains("readme.txt"), e.getMessage());
    }

    @Test
    void malformedCfg() throws IOException {
        Path dir = saved(Architecture.STANDARD);
        Files.writeString(dir.resolve("cfg.json"), "{\"d_in\": 16,");
        IOException e = assertThrows(IOException.class, () -> SaeFormats.load(dir));
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
    }

    @Test
    void wrongActivationWidth() {
        Sae sae = RandomSaes.make(Architecture.STANDARD, 16, 40, 0, Normalization.NONE, false, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sae.encode(new float[15]));
        assertTrue(e.getMessage().contains("d_in=16"), e.getMessage());
    }

    private static void rewriteCfg(Path dir, String from, String to) throws IOException {
        Path cfg = dir.resolve("cfg.json");
        String s = Files.readString(cfg);
        assertTrue(s.contains(from), "test setup: cfg.json lacks " + from + ": " + s);
        Files.writeString(cfg, s.replace(from, to));
    }

    /** Rewrites the weights file dropping "threshold" or poisoning b_enc with a NaN. */
    private static void writeWeights(Path dir, Map<String, Boolean> what) throws IOException {
        Path f = dir.resolve("sae_weights.safetensors");
        Path tmpFile = dir.resolve("new.safetensors");
        try (var st = org.saifengine.io.SafetensorsFile.open(f); Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (var e : st.tensors().entrySet()) {
                if (what.containsKey("threshold") && e.getKey().equals("threshold")) continue;
                Tensor copy = e.getValue().to(e.getValue().dtype(), arena);
                if (what.containsKey("nan") && e.getKey().equals("b_enc")) copy.setFloat(3, Float.NaN);
                out.put(e.getKey(), copy);
            }
            SafetensorsWriter.write(tmpFile, out, Map.of());
        }
        Files.move(tmpFile, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
