package org.saifengine.backend.cuda;

/**
 * Launch geometry of every kernel in src/main/cuda, as plain arithmetic so it is unit-tested without a GPU. Each
 * method validates the shapes its kernel supports and throws IllegalArgumentException naming the problem; the
 * numbers here must match the header comment of the kernel's .cu file.
 */
public final class KernelGeometry {
    public static final int ELEMENTWISE_BLOCK = 256;
    public static final int PREFILL_QUERIES_PER_BLOCK = 8;     // attention_prefill.cu PREFILL_QUERIES
    public static final int MAX_HEAD_DIM = 256;                // 32 lanes x MAX_DIM_PER_LANE (8)
    public static final int DECODE_BLOCK = 128;                // attention_decode.cu DECODE_WARPS * 32
    public static final int SAE_TILE_TOKENS = 32, SAE_TILE_LATENTS = 128;
    public static final int SAE_MAX_K = 1024;                  // sae_topk.cu TOPK_MAX
    public static final int GEMV_ROWS_PER_BLOCK = 8;
    public static final int SAMPLING_BLOCK = 1024;

    private KernelGeometry() {}

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static void positive(String what, long v) {
        if (v < 1) throw new IllegalArgumentException(what + " must be positive, got " + v);
    }

    /** One thread per element (rope pairs, swiglu/geglu, softcap, embedding, steer_add, convert, bias, kv_store). */
    public static Launch elementwise(long n) {
        positive("element count", n);
        return Launch.of(ceilDiv(n, ELEMENTWISE_BLOCK), ELEMENTWISE_BLOCK);
    }

    /** rmsnorm.cu: one block per row, about 4 elements per thread: ceil(dim / 4) rounded up to a warp, in [32, 1024]. */
    public static Launch rmsnorm(int rows, int dim) {
        positive("rows", rows);
        positive("dim", dim);
        long block = ceilDiv(ceilDiv(dim, 4), 32) * 32;
        return Launch.of(rows, (int) Math.min(Launch.MAX_BLOCK, Math.max(32, block)));
    }

    /** rope.cu: one thread per rotated pair. */
    public static Launch rope(int nTokens, int nHeads, int headDim, int rotDim) {
        positive("tokens", nTokens);
        positive("heads", nHeads);
        if (rotDim < 2 || rotDim % 2 != 0 || rotDim > headDim) {
            throw new IllegalArgumentException("rotary dim must be even and in [2, head_dim=" + headDim + "], got " + rotDim);
        }
        return elementwise((long) nTokens * nHeads * (rotDim / 2));
    }

    static void checkHeads(int nHeads, int nKvHeads, int headDim) {
        positive("heads", nHeads);
        positive("kv heads", nKvHeads);
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("heads (" + nHeads + ") must be a multiple of kv heads (" + nKvHeads + ")");
        }
        if (headDim < 1 || headDim > MAX_HEAD_DIM) {
            throw new IllegalArgumentException("head_dim must be in [1, " + MAX_HEAD_DIM + "], got " + headDim);
        }
    }

    /** Keys staged per shared-memory tile in attention_prefill.cu: 32, or 16 above head_dim 128 (fits 48 KiB). */
    public static int prefillKeyTile(int headDim) {
        return headDim <= 128 ? 32 : 16;
    }

    /** attention_prefill.cu: grid (ceil(n_q / 8), n_heads), 8 warps, dynamic shared memory for q, K and V tiles. */
    public static Launch attentionPrefill(int nQ, int nHeads, int nKvHeads, int headDim) {
        positive("queries", nQ);
        checkHeads(nHeads, nKvHeads, headDim);
        int tile = prefillKeyTile(headDim);
        int shared = (PREFILL_QUERIES_PER_BLOCK * headDim + tile * (headDim + 1) + tile * headDim) * Float.BYTES;
        return new Launch(Launch.checkedGrid(ceilDiv(nQ, PREFILL_QUERIES_PER_BLOCK)), nHeads, 1,
                PREFILL_QUERIES_PER_BLOCK * 32, shared);
    }

    /** The split-K plan of attention_decode.cu for a batch whose longest cache holds maxKv keys. */
    public record DecodePlan(int splitLen, int nSplits, Launch split, Launch reduce, long partialFloats) {}

    /**
     * Chooses the split length so that (splits x heads x sequences) blocks give every SM about two blocks, with at
     * least 64 keys per split (a multiple of 32) so the merge stays cheap.
     */
    public static DecodePlan attentionDecode(int nSeqs, int nHeads, int nKvHeads, int headDim, int maxKv, int smCount) {
        positive("sequences", nSeqs);
        positive("max kv length", maxKv);
        positive("SM count", smCount);
        checkHeads(nHeads, nKvHeads, headDim);
        if (nSeqs > Launch.MAX_GRID_YZ) throw new IllegalArgumentException("too many sequences in one decode step: " + nSeqs);
        long blocksWithoutSplit = (long) nSeqs * nHeads;
        long wantSplits = Math.max(1, ceilDiv(2L * smCount, blocksWithoutSplit));
        long splitLen = Math.max(64, ceilDiv(ceilDiv(maxKv, wantSplits), 32) * 32);
        int nSplits = (int) ceilDiv(maxKv, splitLen);
        Launch split = new Launch(nSplits, nHeads, nSeqs, DECODE_BLOCK, 0);
        Launch reduce = new Launch(nHeads, nSeqs, 1, DECODE_BLOCK, 0);
        long partial = (long) nSeqs * nHeads * nSplits * (headDim + 2);
        return new DecodePlan((int) splitLen, nSplits, split, reduce, partial);
    }

    /** The two passes of the fused SAE encoder and the size of their candidate workspace. */
    public record SaePlan(int kk, int latentBlocks, int candidatesPerToken, Launch encode, Launch topk) {
        public long candidateCount(int nTokens) {
            return (long) nTokens * candidatesPerToken;
        }
    }

    public static SaePlan saeEncode(int nTokens, int dIn, int dSae, int k) {
        positive("tokens", nTokens);
        positive("d_in", dIn);
        positive("d_sae", dSae);
        if (k < 1 || k > dSae || k > SAE_MAX_K) {
            throw new IllegalArgumentException("k must be in [1, min(d_sae=" + dSae + ", " + SAE_MAX_K + ")], got " + k);
        }
        int kk = Math.min(k, SAE_TILE_LATENTS);
        int blocks = (int) ceilDiv(dSae, SAE_TILE_LATENTS);
        long tokenBlocks = ceilDiv(nTokens, SAE_TILE_TOKENS);
        if (tokenBlocks > Launch.MAX_GRID_YZ) throw new IllegalArgumentException("too many tokens in one SAE encode: " + nTokens);
        Launch encode = new Launch(blocks, (int) tokenBlocks, 1, 256, 0);
        Launch topk = Launch.of(nTokens, 256);
        return new SaePlan(kk, blocks, blocks * kk, encode, topk);
    }

    /** sae_decode.cu: grid (ceil(d_in / 256), n_tokens). */
    public static Launch saeDecode(int nTokens, int dIn) {
        positive("tokens", nTokens);
        positive("d_in", dIn);
        if (nTokens > Launch.MAX_GRID_YZ) throw new IllegalArgumentException("too many tokens in one SAE decode: " + nTokens);
        return new Launch(Launch.checkedGrid(ceilDiv(dIn, 256)), nTokens, 1, 256, 0);
    }

    /** gemv.cu: one warp per output row, 8 rows per block. */
    public static Launch gemv(int rows, int cols) {
        positive("rows", rows);
        positive("cols", cols);
        return Launch.of(ceilDiv(rows, GEMV_ROWS_PER_BLOCK), GEMV_ROWS_PER_BLOCK * 32);
    }

    /** argmax.cu and top_p.cu: one block of 1024 threads per row. */
    public static Launch sampling(int rows, int vocab) {
        positive("rows", rows);
        positive("vocab", vocab);
        return Launch.of(rows, SAMPLING_BLOCK);
    }
}
