// sae_topk.cu: fused SAE encoder, pass 2 of 2: per-token exact top-k over the candidates of sae_encode.cu.
// Order: key descending, then latent index ascending (a total order, so every token's global top-k is a subset of
// the per-block top-kk lists). The k-th key is found by a 32-step radix search on the order-preserving integer view
// of the float keys (each step one block-wide count), ties at the k-th key by a 31-step search on latent indices;
// the k winners are then ranked by comparison (k^2 / 256 per thread) and written sorted:
//   out_val[t, r] = relu_out ? max(key, 0) : key,   out_idx[t, r] = latent,   r = 0 .. k-1.
// relu_out is 1 for TopK SAEs (keys are pre-activations) and 0 for ReLU/JumpReLU (keys are activations).
// k <= 1024 (SaeGeometry checks it).
// Traffic per token: 63 passes over C = n_blocks * kk candidates of 8 B (L1/L2 resident) + k * 8 B written;
// FLOPs: ~0 (integer compares).
// Launch: grid = (n_tokens), block = 256, static shared 8 KiB.
#include "common.cuh"

#define TOPK_MAX 1024

extern "C" __global__ void sae_topk(const float* cand_key, const int* cand_idx, int n_cand, float* out_val,
                                    int* out_idx, int k, int relu_out) {
    __shared__ unsigned scratch[32];
    __shared__ unsigned sel_key[TOPK_MAX];
    __shared__ int sel_idx[TOPK_MAX];
    __shared__ unsigned n_sel;
    size_t t = blockIdx.x;
    const float* ck = cand_key + t * n_cand;
    const int* ci = cand_idx + t * n_cand;

    unsigned T = 0;
    for (int bit = 31; bit >= 0; bit--) {
        unsigned trial = T | (1u << bit);
        unsigned c = 0;
        for (int e = threadIdx.x; e < n_cand; e += blockDim.x) c += float_key(ck[e]) >= trial;
        if (block_count(c, scratch) >= (unsigned)k) T = trial;
    }
    unsigned c = 0;
    for (int e = threadIdx.x; e < n_cand; e += blockDim.x) c += float_key(ck[e]) > T;
    unsigned greater = block_count(c, scratch);
    unsigned need = (unsigned)k - greater;  // >= 1 ties at key T to take, lowest latent first
    int I = 0;
    for (int bit = 30; bit >= 0; bit--) {
        int test = I + (1 << bit) - 1;
        unsigned cc = 0;
        for (int e = threadIdx.x; e < n_cand; e += blockDim.x) cc += float_key(ck[e]) == T && ci[e] <= test;
        if (block_count(cc, scratch) < need) I += 1 << bit;
    }
    if (threadIdx.x == 0) n_sel = 0;
    __syncthreads();
    for (int e = threadIdx.x; e < n_cand; e += blockDim.x) {
        unsigned key = float_key(ck[e]);
        if (key > T || (key == T && ci[e] <= I)) {
            unsigned slot = atomicAdd(&n_sel, 1u);
            if (slot < TOPK_MAX) { sel_key[slot] = key; sel_idx[slot] = ci[e]; }
        }
    }
    __syncthreads();
    for (int a = threadIdx.x; a < k; a += blockDim.x) {
        unsigned ka = sel_key[a];
        int ia = sel_idx[a];
        int rank = 0;
        for (int b = 0; b < k; b++) {
            unsigned kb = sel_key[b];
            rank += kb > ka || (kb == ka && sel_idx[b] < ia);
        }
        unsigned u = (ka & 0x80000000u) ? (ka & 0x7fffffffu) : ~ka;  // inverse of float_key
        float v = __uint_as_float(u);
        out_val[t * k + rank] = relu_out ? fmaxf(v, 0.0f) : v;
        out_idx[t * k + rank] = ia;
    }
}
