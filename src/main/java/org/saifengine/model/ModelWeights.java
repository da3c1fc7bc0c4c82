package org.saifengine.model;

import org.saifengine.backend.Backend;
import org.saifengine.backend.Weight;
import org.saifengine.io.Checkpoint;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * All weights of a model, bound from a checkpoint by the manifest and prepared by the backend. Tensors stay views
 * into the mapped files unless a dtype conversion was asked for (then converted once into memory this object owns).
 */
public final class ModelWeights implements AutoCloseable {
    public final Weight embedding;     // [vocab, d]
    public final Weight finalNorm;     // [d]
    public final Weight unembedding;   // [vocab, d] (the embedding itself when tied)
    public final LayerWeights[] layers;
    private final Arena arena;

    private ModelWeights(Weight embedding, Weight finalNorm, Weight unembedding, LayerWeights[] layers, Arena arena) {
        this.embedding = embedding;
        this.finalNorm = finalNorm;
        this.unembedding = unembedding;
        this.layers = layers;
        this.arena = arena;
    }

    /**
     * Checks every manifest entry against the checkpoint (presence, shape, float dtype) and prepares the weights.
     *
     * @param convertTo null to keep stored dtypes, else F32 or BF16 for all matrices
     */
    public static ModelWeights bind(ModelConfig c, Checkpoint ckpt, Backend backend, DType convertTo) {
        if (convertTo != null && convertTo != DType.F32 && convertTo != DType.BF16) {
            throw new IllegalArgumentException("weights can be converted to f32 or bf16, not " + convertTo);
        }
        Map<String, Tensor> found = new HashMap<>();
        for (TensorSpec spec : WeightManifest.of(c)) {
            Tensor t = ckpt.tensors().get(spec.name());
            if (t == null) {
                if (spec.need() == TensorSpec.Need.TIED) continue;
                throw new IllegalArgumentException("tensor '" + spec.name() + "' is missing from the checkpoint (required by "
                        + c.architecture().hfName + ")");
            }
            if (!Arrays.equals(t.shape(), spec.shape())) {
                throw new IllegalArgumentException("tensor '" + spec.name() + "' has shape " + Arrays.toString(t.shape())
                        + " but the config implies " + Arrays.toString(spec.shape()));
            }
            boolean blocks = t.dtype().isBlockQuantized() && t.rank() == 2;
            if (!blocks && (!t.dtype().isFloat() || t.dtype() == DType.F64)) {
                throw new IllegalArgumentException("tensor '" + spec.name() + "' has dtype " + t.dtype()
                        + "; expected F32, BF16 or F16 (or Q8_0 / Q4_0 / Q4_1 blocks for a matrix)");
            }
            found.put(spec.name(), t);
        }
        Arena arena = Arena.ofShared();
        try {
            Binder b = new Binder(found, backend, convertTo, arena);
            LayerWeights[] layers = new LayerWeights[c.layers()];
            for (int l = 0; l < layers.length; l++) {
                final int li = l;
                java.util.function.Function<String, Weight> w = s -> b.get(WeightManifest.layer(li, s));
                java.util.function.Function<String, Weight> opt = s -> b.optional(WeightManifest.layer(li, s));
                boolean gemma = c.sandwichNorms();
                layers[l] = new LayerWeights(
                        w.apply("input_layernorm.weight"),
                        w.apply("self_attn.q_proj.weight"), w.apply("self_attn.k_proj.weight"),
                        w.apply("self_attn.v_proj.weight"), w.apply("self_attn.o_proj.weight"),
                        opt.apply("self_attn.q_proj.bias"), opt.apply("self_attn.k_proj.bias"),
                        opt.apply("self_attn.v_proj.bias"), opt.apply("self_attn.o_proj.bias"),
                        gemma ? w.apply("post_attention_layernorm.weight") : null,
                        w.apply(gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"),
                        gemma ? w.apply("post_feedforward_layernorm.weight") : null,
                        w.apply("mlp.gate_proj.weight"), w.apply("mlp.up_proj.weight"), w.apply("mlp.down_proj.weight"),
                        opt.apply("mlp.gate_proj.bias"), opt.apply("mlp.up_proj.bias"), opt.apply("mlp.down_proj.bias"));
            }
            Weight embed = b.get(WeightManifest.EMBED);
            Weight head = c.tiedEmbeddings() ? embed : b.get(WeightManifest.LM_HEAD);
            return new ModelWeights(embed, b.get(WeightManifest.FINAL_NORM), head, layers, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Prepares checked tensors, converting matrices when asked. */
    private record Binder(Map<String, Tensor> found, Backend backend, DType convertTo, Arena arena) {
        Weight get(String name) {
            Tensor t = found.get(name);
            if (t == null) throw new IllegalStateException("tensor '" + name + "' was not bound");
            if (convertTo != null && t.rank() == 2 && t.dtype() != convertTo) t = convert(t, convertTo, arena);
            return backend.weight(name, t);
        }

        Weight optional(String name) {
            return found.containsKey(name) ? get(name) : null;
        }
    }

    /**
     * Bytes the weights will take once bound: each tensor's elements in the dtype it is held in (the conversion
     * dtype for matrices when one is asked, F32 for F16, else as stored). Tensors absent from the checkpoint count
     * nothing ({@link #bind} reports them).
     */
    public static long heldBytes(ModelConfig c, Checkpoint ckpt, DType convertTo) {
        long total = 0;
        for (TensorSpec spec : WeightManifest.of(c)) {
            Tensor t = ckpt.tensors().get(spec.name());
            if (t == null) continue;
            long n = 1;
            for (long dim : spec.shape()) n = Math.multiplyExact(n, dim);
            DType held = convertTo != null && spec.shape().length == 2 ? convertTo : t.dtype() == DType.F16 ? DType.F32 : t.dtype();
            total = Math.addExact(total, held.byteSize(n));
        }
        return total;
    }

    /**
     * A rank-2 tensor converted to {@code to} (values as {@link Tensor#to} gives them), ~4 MiB of source rows at a
     * time. A mapped source stays mapped (the checkpoint owns it) but each block's pages leave the resident set once
     * converted: converting an f32 file to bf16 would otherwise peak at the whole file plus the converted copy.
     */
    static Tensor convert(Tensor t, DType to, Arena arena) {
        Tensor out = Tensor.allocate(arena, to, t.shape());
        long rows = t.dim(0), cols = t.dim(1), rowBytes = cols * t.dtype().bytes;
        long block = Math.max(1, (4L << 20) / Math.max(1, rowBytes));
        for (long r0 = 0; r0 < rows; r0 += block) {
            long r1 = Math.min(rows, r0 + block);
            for (long i = r0 * cols; i < r1 * cols; i++) out.setFloat(i, t.getFloat(i));
            if (t.data().isMapped() && r1 > r0 && rowBytes > 0) t.data().asSlice(r0 * rowBytes, (r1 - r0) * rowBytes).unload();
        }
        return out;
    }

    /** The stored tensors in manifest order, for inspection. */
    public static List<TensorSpec> manifest(ModelConfig c) {
        return WeightManifest.of(c);
    }

    @Override
    public void close() {
        arena.close();
    }
}
