package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.saifengine.backend.cuda.GpuAsserts.assertClose;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.backend.cpu.CpuBackend;
import org.saifengine.model.LoadOptions;
import org.saifengine.model.Model;
import org.saifengine.model.Sequence;

/** The one forward pass on the CUDA backend vs the CPU backend: stories260K logits (prefill + decode) and greedy ids. */
@Tag("gpu")
class CudaModelGpuTest {
    @Test
    void stories260KLogitsMatchTheCpu() throws Exception {
        GpuAsserts.assumeDevice();
        int[] prompt = {1, 403, 407, 261, 378, 284, 270, 394};
        try (Model cpu = Model.open(SharedData.stories260K(), new LoadOptions(CpuBackend.create(), null));
             Model gpu = Model.open(SharedData.stories260K(), new LoadOptions(CudaBackend.create(), null))) {
            Sequence sc = cpu.newSequence(64), sg = gpu.newSequence(64);
            float[] lc = cpu.forward(List.of(new Model.Input(sc, prompt)), true)[0];
            float[] lg = gpu.forward(List.of(new Model.Input(sg, prompt)), true)[0];
            assertClose(lc, lg, 1e-4, "prefill logits");
            int[] idsC = new int[20], idsG = new int[20];
            int vocab = cpu.config().vocabSize();
            int nextC = argmax(lc, lc.length - vocab, vocab), nextG = argmax(lg, lg.length - vocab, vocab);
            for (int i = 0; i < 20; i++) {
                idsC[i] = nextC;
                idsG[i] = nextG;
                float[] c = cpu.forward(List.of(new Model.Input(sc, new int[] {nextC})), false)[0];
                float[] g = gpu.forward(List.of(new Model.Input(sg, new int[] {nextG})), false)[0];
                assertClose(c, g, 1e-4, "decode logits step " + i);
                nextC = argmax(c, 0, vocab);
                nextG = argmax(g, 0, vocab);
            }
            assertArrayEquals(idsC, idsG, "greedy ids");
            cpu.backend().close();
            gpu.backend().close();
        }
    }

    /**
     * A random model with Gemma-2-2B widths (d 2304, ffn 9216, 8 heads / 4 KV heads of 256, vocab 256000, softcaps,
     * (1 + w) norms, tied embeddings) but 2 layers, one of them sliding-window (window 16, so the mask is exercised),
     * in bf16: CUDA vs CPU logits for a 40-token prefill and 6 decode steps. cuBLAS rounds activations to bf16 in the
     * prefill projections, hence the bf16 tolerance.
     */
    @Test
    void gemma2ShapedRandomModelMatchesTheCpu(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        GpuAsserts.assumeDevice();
        int d = 2304, ff = 9216, heads = 8, kvHeads = 4, hd = 256, vocab = 256000, layers = 2;
        java.nio.file.Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "attention_bias": false,
                 "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0, "head_dim": %d,
                 "hidden_activation": "gelu_pytorch_tanh", "hidden_size": %d, "intermediate_size": %d,
                 "layer_types": ["sliding_attention", "full_attention"], "max_position_embeddings": 8192,
                 "num_attention_heads": %d, "num_hidden_layers": %d, "num_key_value_heads": %d,
                 "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_theta": 10000.0, "sliding_window": 16,
                 "tie_word_embeddings": true, "vocab_size": %d, "torch_dtype": "bfloat16",
                 "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0}
                """.formatted(hd, d, ff, heads, layers, kvHeads, vocab));
        java.util.Random rnd = new java.util.Random(42);
        java.util.Map<String, org.saifengine.tensor.Tensor> tensors = new java.util.LinkedHashMap<>();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.util.function.BiFunction<long[], Double, org.saifengine.tensor.Tensor> random = (shape, scale) -> {
                var t = org.saifengine.tensor.Tensor.allocate(arena, org.saifengine.tensor.DType.BF16, shape);
                for (long i = 0; i < t.numel(); i++) t.setFloat(i, (float) (rnd.nextGaussian() * scale));
                return t;
            };
            tensors.put("model.embed_tokens.weight", random.apply(new long[] {vocab, d}, 0.02));
            tensors.put("model.norm.weight", random.apply(new long[] {d}, 0.1));
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                for (String n : new String[] {"input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                        "post_feedforward_layernorm"}) {
                    tensors.put(p + n + ".weight", random.apply(new long[] {d}, 0.1));
                }
                tensors.put(p + "self_attn.q_proj.weight", random.apply(new long[] {heads * hd, d}, 0.02));
                tensors.put(p + "self_attn.k_proj.weight", random.apply(new long[] {kvHeads * hd, d}, 0.02));
                tensors.put(p + "self_attn.v_proj.weight", random.apply(new long[] {kvHeads * hd, d}, 0.02));
                tensors.put(p + "self_attn.o_proj.weight", random.apply(new long[] {d, heads * hd}, 0.02));
                tensors.put(p + "mlp.gate_proj.weight", random.apply(new long[] {ff, d}, 0.02));
                tensors.put(p + "mlp.up_proj.weight", random.apply(new long[] {ff, d}, 0.02));
                tensors.put(p + "mlp.down_proj.weight", random.apply(new long[] {d, ff}, 0.02));
            }
            org.saifengine.io.SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, java.util.Map.of());
        }
        int[] prompt = new int[40];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 2 + rnd.nextInt(vocab - 2);
        try (Model cpu = Model.open(dir, new LoadOptions(CpuBackend.create(), null));
             Model gpu = Model.open(dir, new LoadOptions(CudaBackend.create(), null))) {
            Sequence sc = cpu.newSequence(64), sg = gpu.newSequence(64);
            float[] lc = cpu.forward(List.of(new Model.Input(sc, prompt)), false)[0];
            float[] lg = gpu.forward(List.of(new Model.Input(sg, prompt)), false)[0];
            assertClose(lc, lg, GpuAsserts.BF16_TOL * 2, "Gemma-2-shaped prefill logits");
            for (int step = 0; step < 6; step++) {
                int next = 2 + rnd.nextInt(vocab - 2);
                lc = cpu.forward(List.of(new Model.Input(sc, new int[] {next})), false)[0];
                lg = gpu.forward(List.of(new Model.Input(sg, new int[] {next})), false)[0];
                assertClose(lc, lg, GpuAsserts.BF16_TOL * 2, "Gemma-2-shaped decode logits step " + step);
            }
            cpu.backend().close();
            gpu.backend().close();
        }
    }

    /** The default model (SmolLM2-135M-Instruct, Q4_1 GGUF dequantized at load) when it is in the cache. */
    @Test
    void defaultModelLogitsMatchTheCpu() throws Exception {
        GpuAsserts.assumeDevice();
        java.nio.file.Path p = org.saifengine.io.ModelFiles.defaultModelPath();
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(p),
                "default model not in the cache (" + p + "): carry it or run scripts/fetch-default-model");
        int[] prompt = {1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 28};
        try (var files = org.saifengine.io.ModelFiles.open("default");
             Model cpu = Model.load(files, new LoadOptions(CpuBackend.create(), null));
             Model gpu = Model.load(files, new LoadOptions(CudaBackend.create(), null))) {
            Sequence sc = cpu.newSequence(32), sg = gpu.newSequence(32);
            float[] lc = cpu.forward(List.of(new Model.Input(sc, prompt)), true)[0];
            float[] lg = gpu.forward(List.of(new Model.Input(sg, prompt)), true)[0];
            assertClose(lc, lg, 1e-4, "default model prefill logits");
            int vocab = cpu.config().vocabSize();
            int next = argmax(lc, lc.length - vocab, vocab);
            float[] c = cpu.forward(List.of(new Model.Input(sc, new int[] {next})), false)[0];
            float[] g = gpu.forward(List.of(new Model.Input(sg, new int[] {next})), false)[0];
            assertClose(c, g, 1e-4, "default model decode logits");
            cpu.backend().close();
            gpu.backend().close();
        }
    }

    static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (a[off + i] > a[off + best]) best = i;
        return best;
    }
}
