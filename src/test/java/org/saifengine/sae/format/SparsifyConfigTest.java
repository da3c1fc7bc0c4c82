package org.saifengine.sae.format;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.sae.Sae;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sizes in a sparsify cfg.json, checked against tensors of d_in 2 and 2 latents. */
class SparsifyConfigTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "'{\"k\": 1, \"d_in\": 2, \"expansion_factor\": 1}'|",
            "'{\"k\": 1, \"d_in\": 2, \"num_latents\": 0, \"expansion_factor\": 1}'|",
            "'{\"k\": 1, \"d_in\": 2, \"num_latents\": 2, \"expansion_factor\": 32}'|",
            // found by review: 2 x 2147483649 overflowed to 2 latents and loaded; 1.5 was read as 1
            "'{\"k\": 1, \"d_in\": 2, \"expansion_factor\": 2147483649}'|'expansion_factor' must be a positive integer",
            "'{\"k\": 1, \"d_in\": 2, \"expansion_factor\": 1073741825}'|d_in 2 x expansion_factor 1073741825 latents is over 2^31",
            "'{\"k\": 1, \"d_in\": 2.5, \"expansion_factor\": 1}'|'d_in' must be a positive integer",
            "'{\"k\": 1.5, \"d_in\": 2, \"expansion_factor\": 1}'|'k' must be a positive integer",
            "'{\"k\": 1, \"d_in\": 2, \"num_latents\": -2}'|'num_latents' must be a positive integer"})
    void latentsAndSizes(String cfg, String error) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("layers.4"));
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("encoder.weight", Tensor.ofFloats(arena, new float[] {1, 0, 0, 1}, 2, 2));
            t.put("encoder.bias", Tensor.ofFloats(arena, new float[] {0, 0}, 2));
            t.put("W_dec", Tensor.ofFloats(arena, new float[] {1, 0, 0, 1}, 2, 2));
            t.put("b_dec", Tensor.ofFloats(arena, new float[] {0, 0}, 2));
            SafetensorsWriter.write(dir.resolve(SparsifyFormat.WEIGHTS), t, Map.of());
        }
        Files.writeString(dir.resolve(SparsifyFormat.CFG), cfg);
        if (error == null) {
            Sae sae = new SparsifyFormat().load(dir);
            assertEquals(2, sae.dIn());
            assertEquals(2, sae.dSae());
        } else {
            IOException e = assertThrows(IOException.class, () -> new SparsifyFormat().load(dir));
            assertTrue(e.getMessage().contains(error), e.getMessage());
        }
    }
}
