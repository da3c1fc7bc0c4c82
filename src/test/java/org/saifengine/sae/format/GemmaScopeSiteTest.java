package org.saifengine.sae.format;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hook and site a Gemma Scope SAE's folders name, whatever lies above the release folder. */
class GemmaScopeSiteTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "/data/gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82/params.npz|blocks.12.hook_resid_post|res",
            "/data/gemma-scope-2b-pt-mlp/layer_3/width_16k/average_l0_20/params.npz|blocks.3.hook_mlp_out|mlp",
            "/data/gemma-scope-2b-pt-att/layer_3/width_16k/average_l0_20/params.npz|-|att",
            "/data/gemma-scope-2b-pt-res/embedding/width_4k/average_l0_6/params.npz|-|embedding",
            "/data/resid_post/layer_5_width_16k_l0_medium/params.safetensors|blocks.5.hook_resid_post|res",
            "/data/mlp_out/layer_5_width_16k_l0_medium/params.safetensors|blocks.5.hook_mlp_out|mlp",
            "/data/attn_out/layer_5_width_16k_l0_medium/params.safetensors|-|att",
            "/tmp/sae-format-fuzz123/layer_3/width_16k/params.npz|blocks.3.hook_resid_post|res",
            // words in folders above the release used to decide: "matt" read as attention, "embedding" as an embedding SAE
            "/home/matt/gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82/params.npz|blocks.12.hook_resid_post|res",
            "/srv/embedding-study/gemma-scope-2b-pt-res/layer_1/width_16k/a/params.npz|blocks.1.hook_resid_post|res",
            "/srv/mlp-lab/gemma-scope-2b-pt-res/layer_1/width_16k/a/params.npz|blocks.1.hook_resid_post|res",
            "/srv/players_3/width_16k/params.npz|-|res"})
    void hookAndSite(String file, String hook, String site) {
        assertEquals(hook, GemmaScopeFormat.inferHook(Path.of(file)));
        assertEquals(site, GemmaScopeFormat.site(Path.of(file)));
    }
}
