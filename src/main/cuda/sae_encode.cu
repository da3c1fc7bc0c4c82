// sae_encode.cu: fused SAE encoder, pass 1 of 2: a tiled GEMM with the activation in the epilogue and a per-block
// partial top-k, so the dense [n_tokens, d_sae] activations are never written to memory.
//   pre[t, n] = sum_c (x[t, c] - b_dec[c]) * W_enc[c, n] + b_enc[n]       (b_dec may be NULL: not subtracted)
//   mode 0 RELU:     act = max(pre, 0),                       selection key = act
//   mode 1 JUMPRELU: act = pre > threshold[n] ? pre : 0,      selection key = act
//   mode 2 TOPK:     selection key = pre (SAELens TopK picks on pre-activations, then applies ReLU)
// Each block owns a tile of 32 tokens x 128 latents; warp w owns token rows w, w+8, w+16, w+24 whole, so the
// partial top-k of a row is a warp-local iterative argmax over registers (ties: lower latent index first). It writes
// kk = min(k, 128) candidates (key, latent) per row to cand_key/cand_idx [n_tokens, gridDim.x, kk]; sae_topk.cu
// merges them. nnz[t] (may be NULL; zeroed by the host) counts act > 0, so a JumpReLU caller can tell whether k
// was enough to hold every active latent.
// Variants: sae_encode_f32, sae_encode_bf16 (weight dtype of W_enc, b_enc, threshold, b_dec); x is f32.
// Traffic: W_enc is read once per 32-token row of blocks (d_in * d_sae * elt * ceil(n_tokens / 32)), x once per
// 128-latent column of blocks; candidates 8 B * kk per (token, block). FLOPs: 2 * d_in per (token, latent).
// Launch (SaeGeometry): grid = (ceil(d_sae / 128), ceil(n_tokens / 32)), block = 256, static shared 20.5 KiB.
#include "common.cuh"

#define SAE_TM 32
#define SAE_TN 128
#define SAE_TK 32

template <typename W>
__device__ void sae_encode(const float* x, const W* w_enc, const W* b_enc, const W* threshold, const W* b_dec,
                           float* cand_key, int* cand_idx, unsigned* nnz, int n_tokens, int d_in, int d_sae,
                           int kk, int mode) {
    __shared__ float xs[SAE_TM][SAE_TK + 1];
    __shared__ float ws[SAE_TK][SAE_TN];
    int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
    int n0 = blockIdx.x * SAE_TN, m0 = blockIdx.y * SAE_TM;
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < d_in; k0 += SAE_TK) {
        for (int e = threadIdx.x; e < SAE_TM * SAE_TK; e += blockDim.x) {
            int r = e / SAE_TK, c = e % SAE_TK;
            int t = m0 + r, col = k0 + c;
            float v = 0.0f;
            if (t < n_tokens && col < d_in) {
                v = x[(size_t)t * d_in + col];
                if (b_dec) v -= ld(b_dec, col);
            }
            xs[r][c] = v;
        }
        for (int e = threadIdx.x; e < SAE_TK * SAE_TN; e += blockDim.x) {
            int r = e / SAE_TN, c = e % SAE_TN;
            int row = k0 + r, lat = n0 + c;
            ws[r][c] = (row < d_in && lat < d_sae) ? ld(w_enc, (size_t)row * d_sae + lat) : 0.0f;
        }
        __syncthreads();
#pragma unroll 8
        for (int kx = 0; kx < SAE_TK; kx++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) a[i] = xs[ty + 8 * i][kx];
#pragma unroll
            for (int j = 0; j < 4; j++) b[j] = ws[kx][tx + 32 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 4; i++) {
        int t = m0 + ty + 8 * i;
        if (t >= n_tokens) continue;  // warp-uniform: the warp owns the whole row
        float key[4];
        int active = 0;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int lat = n0 + tx + 32 * j;
            if (lat >= d_sae) { key[j] = -INFINITY; continue; }
            float pre = acc[i][j] + ld(b_enc, lat);
            float act = mode == 1 ? (pre > ld(threshold, lat) ? pre : 0.0f) : fmaxf(pre, 0.0f);
            active += act > 0.0f;
            key[j] = mode == 2 ? pre : act;
        }
        if (nnz) {
            unsigned c = (unsigned)active;
            for (int o = 16; o > 0; o >>= 1) c += __shfl_xor_sync(0xffffffffu, c, o);
            if (tx == 0 && c) atomicAdd(nnz + t, c);
        }
        size_t out = ((size_t)t * gridDim.x + blockIdx.x) * kk;
        bool taken[4] = {false, false, false, false};
        for (int r = 0; r < kk; r++) {
            // lane-local best: largest key, then lowest latent (j ascending = latent ascending within a lane)
            float bv = -INFINITY; int bj = -1;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                if (!taken[j] && (bj < 0 || key[j] > bv)) { bv = key[j]; bj = j; }
            }
            int bl = bj < 0 ? 0x7fffffff : n0 + tx + 32 * bj;
            for (int o = 16; o > 0; o >>= 1) {
                float ov = __shfl_xor_sync(0xffffffffu, bv, o);
                int ol = __shfl_xor_sync(0xffffffffu, bl, o);
                if (ov > bv || (ov == bv && ol < bl)) { bv = ov; bl = ol; }
            }
            if (bj >= 0 && bl == n0 + tx + 32 * bj) taken[bj] = true;
            if (tx == 0) { cand_key[out + r] = bv; cand_idx[out + r] = bl; }
        }
    }
}

extern "C" __global__ void sae_encode_f32(const float* x, const float* w_enc, const float* b_enc,
                                          const float* threshold, const float* b_dec, float* cand_key,
                                          int* cand_idx, unsigned* nnz, int n_tokens, int d_in, int d_sae, int kk,
                                          int mode) {
    sae_encode<float>(x, w_enc, b_enc, threshold, b_dec, cand_key, cand_idx, nnz, n_tokens, d_in, d_sae, kk, mode);
}

extern "C" __global__ void sae_encode_bf16(const float* x, const bf16* w_enc, const bf16* b_enc,
                                           const bf16* threshold, const bf16* b_dec, float* cand_key,
                                           int* cand_idx, unsigned* nnz, int n_tokens, int d_in, int d_sae, int kk,
                                           int mode) {
    sae_encode<bf16>(x, w_enc, b_enc, threshold, b_dec, cand_key, cand_idx, nnz, n_tokens, d_in, d_sae, kk, mode);
}
