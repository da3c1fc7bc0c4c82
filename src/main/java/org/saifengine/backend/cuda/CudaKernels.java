package org.saifengine.backend.cuda;

import org.saifengine.tensor.DType;

/**
 * Typed launchers for every kernel in src/main/cuda: each checks its arguments, takes the geometry from
 * {@link KernelGeometry} and launches on the device's stream (asynchronously; call {@link CudaDevice#synchronize}
 * or download to wait). Buffers are f32 unless a parameter says otherwise; weight / cache buffers may be F32 or
 * BF16 as given by their dtype argument. Tests and the CUDA backend call these, never a copy.
 */
public final class CudaKernels {
    /** steer_add.cu position modes. */
    public static final int STEER_OFF = 0, STEER_ALL = 1, STEER_PROMPT = 2, STEER_GENERATED = 3, STEER_FROM = 4;
    /** sae_encode.cu activation modes. */
    public static final int SAE_RELU = 0, SAE_JUMPRELU = 1, SAE_TOPK = 2;

    private final KernelRunner device;

    public CudaKernels(CudaDevice device) {
        this((KernelRunner) device);
    }

    CudaKernels(KernelRunner runner) {
        this.device = runner;
    }

    static String suffix(DType t) {
        return switch (t) {
            case F32 -> "f32";
            case BF16 -> "bf16";
            default -> throw new IllegalArgumentException("CUDA kernels take F32 or BF16 weights, got " + t);
        };
    }

    private static void need(DeviceBuffer b, long bytes, String what) {
        if (b == null) throw new IllegalArgumentException(what + " buffer is missing");
        if (b.bytes() < bytes) {
            throw new IllegalArgumentException(what + " buffer holds " + b.bytes() + " bytes, needs " + bytes);
        }
    }

    private void run(String op, String kernel, Launch l, KernelArgs a) {
        try (a) {
            device.launch(op, kernel, l, a);
        }
    }

    /** residual += delta (if not null); out = rmsnorm(residual) * (weight + wOffset). */
    public void rmsnormResidual(DeviceBuffer residual, DeviceBuffer delta, DeviceBuffer weight, DType wType,
                                DeviceBuffer out, int rows, int dim, float eps, float wOffset) {
        Launch l = KernelGeometry.rmsnorm(rows, dim);
        long act = 4L * rows * dim;
        need(residual, act, "residual");
        need(out, act, "rmsnorm output");
        if (delta != null) need(delta, act, "residual delta");
        need(weight, (long) wType.bytes * dim, "rmsnorm weight");
        run("rmsnorm", "rmsnorm_residual_" + suffix(wType), l, new KernelArgs().ptr(residual).ptr(delta).ptr(weight)
                .ptr(out).i32(dim).f32(eps).f32(wOffset));
    }

    /** In-place rotation of [nTokens, nHeads, headDim] rows spaced tokenStride floats apart (see rope.cu). */
    public void rope(DeviceBuffer x, DeviceBuffer positions, DeviceBuffer invFreq, int nTokens, int nHeads, int headDim,
                     int rotDim, long tokenStride, float attnScaling, boolean interleaved) {
        Launch l = KernelGeometry.rope(nTokens, nHeads, headDim, rotDim);
        if (tokenStride < (long) nHeads * headDim) throw new IllegalArgumentException("rope token stride " + tokenStride + " < heads * head_dim");
        need(x, 4L * ((nTokens - 1) * tokenStride + (long) nHeads * headDim), "rope input");
        need(positions, 4L * nTokens, "positions");
        need(invFreq, 4L * (rotDim / 2), "inverse frequencies");
        run("rope", "rope_f32", l, new KernelArgs().ptr(x).ptr(positions).ptr(invFreq).i32(nTokens).i32(nHeads)
                .i32(headDim).i32(rotDim).i64(tokenStride).f32(attnScaling).i32(interleaved ? 1 : 0));
    }

    public void softcap(DeviceBuffer x, long n, float cap) {
        if (!(cap > 0)) throw new IllegalArgumentException("soft-cap must be positive, got " + cap);
        need(x, 4L * n, "softcap input");
        run("softcap", "softcap_f32", KernelGeometry.elementwise(n), new KernelArgs().ptr(x).i64(n).f32(cap));
    }

    /** Gate activations of the kernels: silu (swiglu.cu), tanh GELU and erf GELU (geglu.cu). */
    public enum Gate { SILU, GELU_TANH, GELU_ERF }

    /** out = act(gate) * up; gate/up rows spaced inStride floats; out may be gate. */
    public void gatedActivation(Gate act, DeviceBuffer gate, DeviceBuffer up, DeviceBuffer out, int nTokens, int ffn,
                                long inStride) {
        Launch l = KernelGeometry.elementwise((long) nTokens * ffn);
        if (inStride < ffn) throw new IllegalArgumentException("gate/up stride " + inStride + " < ffn " + ffn);
        need(out, 4L * nTokens * ffn, "activation output");
        KernelArgs a = new KernelArgs().ptr(gate).ptr(up).ptr(out).i32(nTokens).i32(ffn).i64(inStride);
        if (act == Gate.SILU) run("swiglu", "swiglu_f32", l, a);
        else run("geglu", "geglu_f32", l, a.i32(act == Gate.GELU_ERF ? 1 : 0));
    }

    /** x += y over n floats. */
    public void add(DeviceBuffer x, DeviceBuffer y, long n) {
        need(x, 4L * n, "add target");
        need(y, 4L * n, "add source");
        run("add", "add_f32", KernelGeometry.elementwise(n), new KernelArgs().ptr(x).ptr(y).i64(n));
    }

    public void embedding(DeviceBuffer ids, DeviceBuffer table, DType tType, DeviceBuffer out, int nTokens, int dim,
                          int vocab, float scale) {
        Launch l = KernelGeometry.elementwise((long) nTokens * dim);
        need(ids, 4L * nTokens, "token ids");
        need(table, (long) tType.bytes * vocab * dim, "embedding table");
        need(out, 4L * nTokens * dim, "embedding output");
        run("embedding", "embedding_" + suffix(tType), l, new KernelArgs().ptr(ids).ptr(table).ptr(out).i32(nTokens)
                .i32(dim).i32(vocab).f32(scale));
    }

    /**
     * residual += delta + strength[s] * vec[s] for selected tokens (see steer_add.cu). Per token: tokenSeq (-1 = not
     * steered), tokenPos; per sequence: mode, promptLen, fromPos, strength.
     */
    public void steerAdd(DeviceBuffer residual, DeviceBuffer delta, DeviceBuffer vec, DeviceBuffer tokenSeq,
                         DeviceBuffer tokenPos, DeviceBuffer mode, DeviceBuffer promptLen, DeviceBuffer fromPos,
                         DeviceBuffer strength, int nSeqs, int nTokens, int dim) {
        Launch l = KernelGeometry.elementwise((long) nTokens * dim);
        need(residual, 4L * nTokens * dim, "residual");
        if (delta != null) need(delta, 4L * nTokens * dim, "residual delta");
        need(vec, 4L * nSeqs * dim, "steering vectors");
        need(tokenSeq, 4L * nTokens, "token sequence index");
        need(tokenPos, 4L * nTokens, "token positions");
        for (DeviceBuffer b : new DeviceBuffer[] {mode, promptLen, fromPos, strength}) need(b, 4L * nSeqs, "per-sequence steering");
        run("steer_add", "steer_add_f32", l, new KernelArgs().ptr(residual).ptr(delta).ptr(vec).ptr(tokenSeq)
                .ptr(tokenPos).ptr(mode).ptr(promptLen).ptr(fromPos).ptr(strength).i32(nTokens).i32(dim));
    }

    public void f32ToBf16(DeviceBuffer in, DeviceBuffer out, long n) {
        need(in, 4L * n, "f32 input");
        need(out, 2L * n, "bf16 output");
        run("convert", "f32_to_bf16", KernelGeometry.elementwise(n), new KernelArgs().ptr(in).ptr(out).i64(n));
    }

    public void bf16ToF32(DeviceBuffer in, DeviceBuffer out, long n) {
        need(in, 2L * n, "bf16 input");
        need(out, 4L * n, "f32 output");
        run("convert", "bf16_to_f32", KernelGeometry.elementwise(n), new KernelArgs().ptr(in).ptr(out).i64(n));
    }

    public void biasAdd(DeviceBuffer x, DeviceBuffer bias, DType bType, int rows, int n) {
        need(x, 4L * rows * n, "bias target");
        need(bias, (long) bType.bytes * n, "bias");
        run("bias_add", "bias_add_" + suffix(bType), KernelGeometry.elementwise((long) rows * n),
                new KernelArgs().ptr(x).ptr(bias).i32(rows).i32(n));
    }

    /** Stores the keys/values of nTokens new tokens into the cache rows given by slots. */
    public void kvStore(DeviceBuffer k, DeviceBuffer v, long inStride, DeviceBuffer kPool, DeviceBuffer vPool,
                        DType cacheType, DeviceBuffer slots, int nTokens, int kvDim) {
        Launch l = KernelGeometry.elementwise((long) nTokens * kvDim);
        need(slots, 4L * nTokens, "KV slots");
        run("kv_store", "kv_store_" + suffix(cacheType), l, new KernelArgs().ptr(k).ptr(v).i64(inStride).ptr(kPool)
                .ptr(vPool).ptr(slots).i32(nTokens).i32(kvDim));
    }

    /** Shapes and options of one attention call. window <= 0: none; softcap <= 0: none. */
    public record AttentionShape(int nHeads, int nKvHeads, int headDim, float scale, float softcap, int window) {}

    /** Prefill attention of nQ queries at positions qStart.. of one sequence (see attention_prefill.cu). */
    public void attentionPrefill(DeviceBuffer q, long qStride, DeviceBuffer kPool, DeviceBuffer vPool, DType cacheType,
                                 DeviceBuffer pageTable, int pageSize, DeviceBuffer out, int nQ, int qStart, int kvLen,
                                 AttentionShape s) {
        Launch l = KernelGeometry.attentionPrefill(nQ, s.nHeads(), s.nKvHeads(), s.headDim());
        if (kvLen < qStart + nQ) throw new IllegalArgumentException("kv length " + kvLen + " < last query position + 1 = " + (qStart + nQ));
        need(out, 4L * nQ * s.nHeads() * s.headDim(), "attention output");
        need(pageTable, 4L * KernelGeometry.ceilDiv(kvLen, pageSize), "page table");
        run("attention_prefill", "attention_prefill_" + suffix(cacheType), l, new KernelArgs().ptr(q).i64(qStride)
                .ptr(kPool).ptr(vPool).ptr(pageTable).i32(pageSize).ptr(out).i32(nQ).i32(qStart).i32(kvLen)
                .i32(s.nHeads()).i32(s.nKvHeads()).i32(s.headDim()).f32(s.scale()).f32(s.softcap()).i32(s.window())
                .i32(KernelGeometry.prefillKeyTile(s.headDim())));
    }

    /** The workspace (floats) {@link #attentionDecode} needs for this batch. */
    public KernelGeometry.DecodePlan decodePlan(int nSeqs, int maxKv, AttentionShape s) {
        return KernelGeometry.attentionDecode(nSeqs, s.nHeads(), s.nKvHeads(), s.headDim(), maxKv, device.smCount());
    }

    /** One decode step of attention for nSeqs sequences (query of sequence b at position kvLens[b] - 1). */
    public void attentionDecode(DeviceBuffer q, long qStride, DeviceBuffer kPool, DeviceBuffer vPool, DType cacheType,
                                DeviceBuffer pageTables, int maxPages, DeviceBuffer kvLens, int pageSize,
                                DeviceBuffer partial, DeviceBuffer out, int nSeqs, int maxKv, AttentionShape s) {
        KernelGeometry.DecodePlan plan = decodePlan(nSeqs, maxKv, s);
        need(partial, 4L * plan.partialFloats(), "decode workspace");
        need(out, 4L * nSeqs * s.nHeads() * s.headDim(), "attention output");
        need(pageTables, 4L * nSeqs * maxPages, "page tables");
        need(kvLens, 4L * nSeqs, "kv lengths");
        run("attention_decode", "attention_decode_split_" + suffix(cacheType), plan.split(), new KernelArgs().ptr(q)
                .i64(qStride).ptr(kPool).ptr(vPool).ptr(pageTables).i32(maxPages).ptr(kvLens).i32(pageSize).ptr(partial)
                .i32(s.nHeads()).i32(s.nKvHeads()).i32(s.headDim()).f32(s.scale()).f32(s.softcap()).i32(s.window())
                .i32(plan.splitLen()).i32(plan.nSplits()));
        run("attention_decode", "attention_decode_reduce", plan.reduce(), new KernelArgs().ptr(partial).ptr(out)
                .i32(s.nHeads()).i32(s.headDim()).i32(plan.nSplits()));
    }

    /** SAE weights on the device (see sae_encode.cu); threshold only for JumpReLU, bDec may be null. */
    public record SaeWeights(DeviceBuffer wEnc, DeviceBuffer bEnc, DeviceBuffer threshold, DeviceBuffer bDec,
                             DeviceBuffer wDec, DType dtype, int dIn, int dSae) {}

    /** Workspace bytes for candidates of {@link #saeEncodeTopK}: keys then indices. */
    public static long saeWorkspaceBytes(int nTokens, int dIn, int dSae, int k) {
        return 8L * KernelGeometry.saeEncode(nTokens, dIn, dSae, k).candidateCount(nTokens);
    }

    /**
     * Fused encode + exact per-token top-k: outVal/outIdx [nTokens, k] sorted by value (desc), then latent (asc).
     * nnz (nullable, nTokens uints) receives the number of active latents per token.
     */
    public void saeEncodeTopK(DeviceBuffer x, SaeWeights w, int mode, DeviceBuffer workspace, DeviceBuffer nnz,
                              DeviceBuffer outVal, DeviceBuffer outIdx, int nTokens, int k) {
        KernelGeometry.SaePlan plan = KernelGeometry.saeEncode(nTokens, w.dIn(), w.dSae(), k);
        if (mode == SAE_JUMPRELU && w.threshold() == null) throw new IllegalArgumentException("JumpReLU SAE without threshold");
        if (mode < SAE_RELU || mode > SAE_TOPK) throw new IllegalArgumentException("unknown SAE mode " + mode);
        need(x, 4L * nTokens * w.dIn(), "SAE input");
        long cands = plan.candidateCount(nTokens);
        need(workspace, 8L * cands, "SAE candidate workspace");
        need(outVal, 4L * nTokens * k, "SAE values");
        need(outIdx, 4L * nTokens * k, "SAE indices");
        DeviceBuffer keys = workspace.slice(0, 4L * cands), idx = workspace.slice(4L * cands, 4L * cands);
        if (nnz != null) {
            need(nnz, 4L * nTokens, "SAE nnz");
            device.fill32(nnz, 0);
        }
        run("sae_encode", "sae_encode_" + suffix(w.dtype()), plan.encode(), new KernelArgs().ptr(x).ptr(w.wEnc())
                .ptr(w.bEnc()).ptr(w.threshold()).ptr(w.bDec()).ptr(keys).ptr(idx).ptr(nnz).i32(nTokens).i32(w.dIn())
                .i32(w.dSae()).i32(plan.kk()).i32(mode));
        run("sae_topk", "sae_topk", plan.topk(), new KernelArgs().ptr(keys).ptr(idx).i32(plan.candidatesPerToken())
                .ptr(outVal).ptr(outIdx).i32(k).i32(mode == SAE_TOPK ? 1 : 0));
    }

    /** out[t] = bDec + sum_j val[t, j] * W_dec[idx[t, j]] (bDec nullable). */
    public void saeDecode(DeviceBuffer val, DeviceBuffer idx, DeviceBuffer wDec, DeviceBuffer bDec, DType dtype,
                          DeviceBuffer out, int nTokens, int k, int dIn) {
        Launch l = KernelGeometry.saeDecode(nTokens, dIn);
        need(val, 4L * nTokens * k, "latent values");
        need(idx, 4L * nTokens * k, "latent indices");
        need(out, 4L * nTokens * dIn, "decode output");
        run("sae_decode", "sae_decode_" + suffix(dtype), l, new KernelArgs().ptr(val).ptr(idx).ptr(wDec).ptr(bDec)
                .ptr(out).i32(k).i32(dIn));
    }

    /** y = W x (+ y when accumulate), W [rows, cols] row-major. */
    public void gemv(DeviceBuffer w, DType wType, DeviceBuffer x, DeviceBuffer y, int rows, int cols, boolean accumulate) {
        Launch l = KernelGeometry.gemv(rows, cols);
        need(w, (long) wType.bytes * rows * cols, "GEMV weight");
        need(x, 4L * cols, "GEMV input");
        need(y, 4L * rows, "GEMV output");
        run("gemv", "gemv_" + suffix(wType), l, new KernelArgs().ptr(w).ptr(x).ptr(y).i32(rows).i32(cols)
                .i32(accumulate ? 1 : 0));
    }

    public void argmax(DeviceBuffer logits, long rowStride, int vocab, DeviceBuffer ids, int rows) {
        Launch l = KernelGeometry.sampling(rows, vocab);
        need(logits, 4L * ((rows - 1) * rowStride + vocab), "logits");
        need(ids, 4L * rows, "sampled ids");
        run("argmax", "argmax_f32", l, new KernelArgs().ptr(logits).i64(rowStride).i32(vocab).ptr(ids));
    }

    /** Temperature + top-p sampling; temperature, topP, uniform are per-row floats; probs a [rows, vocab] workspace. */
    public void topP(DeviceBuffer logits, long rowStride, int vocab, DeviceBuffer temperature, DeviceBuffer topP,
                     DeviceBuffer uniform, DeviceBuffer probs, DeviceBuffer ids, int rows) {
        Launch l = KernelGeometry.sampling(rows, vocab);
        need(logits, 4L * ((rows - 1) * rowStride + vocab), "logits");
        need(probs, 4L * rows * vocab, "probability workspace");
        need(ids, 4L * rows, "sampled ids");
        run("top_p", "top_p_f32", l, new KernelArgs().ptr(logits).i64(rowStride).i32(vocab).ptr(temperature)
                .ptr(topP).ptr(uniform).ptr(probs).ptr(ids));
    }
}
