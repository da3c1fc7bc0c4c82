package org.saifengine.io.gguf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Checkpoint;
import org.saifengine.io.InvalidFileException;
import org.saifengine.io.ModelFiles;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.MemoryBudget;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates a GGUF file into {@link ModelFiles}: HF config.json, HF tensor names with llama.cpp's q/k row
 * permutation undone, tokenizer.json + tokenizer_config.json. Weights are dequantized once, at load, into memory the
 * checkpoint owns (freed by the garbage collector once no tensor is reachable); each tensor's file pages are dropped
 * from the resident set as soon as it is converted, and the file is closed afterwards.
 */
public final class GgufModelFiles {
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.(weight|bias)");
    private static final Map<String, String> BLOCK_NAMES = Map.ofEntries(
            Map.entry("attn_norm", "input_layernorm"),
            Map.entry("ffn_norm", "post_attention_layernorm"),
            Map.entry("attn_q", "self_attn.q_proj"),
            Map.entry("attn_k", "self_attn.k_proj"),
            Map.entry("attn_v", "self_attn.v_proj"),
            Map.entry("attn_output", "self_attn.o_proj"),
            Map.entry("ffn_gate", "mlp.gate_proj"),
            Map.entry("ffn_up", "mlp.up_proj"),
            Map.entry("ffn_down", "mlp.down_proj"));

    private GgufModelFiles() {}

    public static ModelFiles read(Path path) throws IOException {
        return read(path, DType.F32);
    }

    /** Reads the file with weights in f32 (exact) or bf16 (rounded). */
    public static ModelFiles read(Path path, DType dtype) throws IOException {
        return read(path, dtype, false);
    }

    /**
     * As {@link #read(Path, DType)}; with keepQuantized, matrices stored as Q8_0, Q4_0 or Q4_1 keep their blocks
     * (copied once out of the mapping, a quarter to an eighth of their f32 size) and only the rest is dequantized.
     */
    public static ModelFiles read(Path path, DType dtype, boolean keepQuantized) throws IOException {
        return read(path, dtype, keepQuantized, null);
    }

    /** As {@link #read(Path, DType, boolean)}, refusing up front weights that would not fit in the budget (null: none). */
    public static ModelFiles read(Path path, DType dtype, boolean keepQuantized, MemoryBudget budget) throws IOException {
        try (GgufFile g = GgufFile.open(path)) {
            if (budget != null) {
                String held = keepQuantized ? "Q8_0/Q4_0/Q4_1 blocks kept, the rest " + dtype : dtype.toString();
                budget.require("loading model " + path.getFileName(),
                        MemoryBudget.offHeap("weights (" + held + ", read from the GGUF)", heldBytes(g, dtype, keepQuantized)));
            }
            return read(g, dtype, keepQuantized);
        }
    }

    /** Bytes the weights take once read as {@link #llamaWeights} reads them, from the tensor table alone. */
    static long heldBytes(GgufFile g, DType dtype, boolean keepQuantized) throws InvalidFileException {
        long total = 0;
        for (GgufTensorInfo t : g.tensors().values()) {
            if (hfName(t.name()) == null) continue;
            DType kept = keepQuantized && t.dims().length == 2 ? blockType(t.type()) : null;
            total = Math.addExact(total, kept != null ? t.bytes() : dtype.byteSize(t.numel()));
        }
        return total;
    }

    static ModelFiles read(GgufFile g, DType dtype) throws IOException {
        return read(g, dtype, false);
    }

    static ModelFiles read(GgufFile g, DType dtype, boolean keepQuantized) throws IOException {
        Path path = g.path();
        try {
            GgufValue archValue = g.get("general.architecture");
            String arch = archValue.asString();
            if (!arch.equals("llama")) {
                throw new InvalidFileException(path + ": GGUF architecture '" + arch + "' is not supported (supported: llama)");
            }
            GgufTokenizerJson.Result tok = GgufTokenizerJson.build(g);
            int vocab = g.get("tokenizer.ggml.tokens").asStringList().size();
            boolean tied = !g.tensors().containsKey("output.weight");
            ObjectNode config = GgufLlamaConfig.build(g, vocab, tied);
            Map<String, Tensor> weights = llamaWeights(g, config, dtype, keepQuantized, Arena.ofAuto());
            return new ModelFiles(path, config, Checkpoint.ofTensors(weights), tok.tokenizerJson(), tok.tokenizerConfig());
        } catch (IllegalArgumentException e) {
            throw new InvalidFileException(path + ": " + e.getMessage());
        }
    }

    /** Only the tokenizer files of a GGUF (no weights are read). */
    public static GgufTokenizerJson.Result readTokenizer(Path path) throws IOException {
        try (GgufFile g = GgufFile.open(path)) {
            return GgufTokenizerJson.build(g);
        } catch (IllegalArgumentException e) {
            throw new InvalidFileException(path + ": " + e.getMessage());
        }
    }

    /** The HF name of a llama GGUF tensor, or null for tensors HF has no weight for (rope_freqs). */
    static String hfName(String gguf) throws InvalidFileException {
        switch (gguf) {
            case "token_embd.weight": return "model.embed_tokens.weight";
            case "output_norm.weight": return "model.norm.weight";
            case "output.weight": return "lm_head.weight";
            case "rope_freqs.weight": return null;
            default:
        }
        Matcher m = BLOCK.matcher(gguf);
        String part = m.matches() ? BLOCK_NAMES.get(m.group(2)) : null;
        if (part == null) throw new InvalidFileException("tensor '" + gguf + "' is not part of a llama model this engine knows");
        return "model.layers." + m.group(1) + "." + part + "." + m.group(3);
    }

    /** The engine dtype that holds a ggml type's blocks unchanged, or null when the engine cannot compute on it. */
    public static DType blockType(GgmlType t) {
        return switch (t) {
            case Q8_0 -> DType.Q8_0;
            case Q4_0 -> DType.Q4_0;
            case Q4_1 -> DType.Q4_1;
            default -> null;
        };
    }

    static Map<String, Tensor> llamaWeights(GgufFile g, ObjectNode config, DType dtype, Arena arena) throws IOException {
        return llamaWeights(g, config, dtype, false, arena);
    }

    static Map<String, Tensor> llamaWeights(GgufFile g, ObjectNode config, DType dtype, boolean keepQuantized, Arena arena)
            throws IOException {
        int heads = config.get("num_attention_heads").asInt();
        int kvHeads = config.get("num_key_value_heads").asInt();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (GgufTensorInfo t : g.tensors().values()) {
            try {
                String name = hfName(t.name());
                if (name == null) continue;
                DType kept = keepQuantized && t.dims().length == 2 ? blockType(t.type()) : null;
                Tensor w;
                if (kept != null) {
                    w = new Tensor(kept, t.shape(), arena.allocate(t.bytes(), 64).copyFrom(g.raw(t)));
                } else {
                    w = g.dequantize(t, dtype, arena);
                }
                if (name.endsWith("self_attn.q_proj.weight") || name.endsWith("self_attn.q_proj.bias")) {
                    w = unpermuteRows(w, heads, t.name());
                } else if (name.endsWith("self_attn.k_proj.weight") || name.endsWith("self_attn.k_proj.bias")) {
                    w = unpermuteRows(w, kvHeads, t.name());
                }
                out.put(name, w);
                g.release(t); // its file pages are not needed any more: keep them out of the peak RSS
            } catch (InvalidFileException | IllegalArgumentException e) {
                throw new InvalidFileException(g.path() + ": " + e.getMessage());
            }
        }
        if (!out.containsKey("model.embed_tokens.weight")) {
            throw new InvalidFileException(g.path() + ": no token_embd.weight tensor");
        }
        return out;
    }

    /**
     * Undoes the row order llama.cpp's converter gives q/k projections (rotary pairs interleaved per head):
     * within each head of 2*half rows, stored row 2i+j becomes row j*half+i. Done in place through one head's worth
     * of scratch, so no second copy of the matrix is ever held.
     */
    static Tensor unpermuteRows(Tensor w, int heads, String name) throws InvalidFileException {
        long rows = w.dim(0);
        if (rows == 0 || rows % (2L * heads) != 0) {
            throw new InvalidFileException("tensor '" + name + "' has " + rows + " rows, not a multiple of 2 x " + heads + " heads");
        }
        if (w.byteSize() == 0) throw new InvalidFileException("tensor '" + name + "' has no elements: " + Arrays.toString(w.shape()));
        long half = rows / heads / 2;
        long rowBytes = w.byteSize() / rows, headBytes = 2 * half * rowBytes;
        if (headBytes > Integer.MAX_VALUE - 8) {
            throw new InvalidFileException("tensor '" + name + "' has " + headBytes + " bytes per head, over the 2 GiB this reorders at once");
        }
        MemorySegment data = w.data();
        MemorySegment head = MemorySegment.ofArray(new byte[(int) headBytes]);
        for (long h = 0; h < heads; h++) {
            MemorySegment.copy(data, h * headBytes, head, 0, headBytes);
            for (long i = 0; i < half; i++) {
                for (long j = 0; j < 2; j++) {
                    long from = 2 * i + j;
                    long to = h * 2 * half + j * half + i;
                    MemorySegment.copy(head, from * rowBytes, data, to * rowBytes, rowBytes);
                }
            }
        }
        return w;
    }
}
