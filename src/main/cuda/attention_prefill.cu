// attention_prefill.cu: causal self-attention for the prompt (prefill) of one sequence, tiled flash-style:
// K/V tiles are staged in shared memory and softmax is computed online, so the [n_q, kv_len] score matrix is
// never written. Supports GQA (n_heads a multiple of n_kv_heads), a sliding window, logit soft-capping and a
// paged KV cache.
//   out[t, h] = sum_j softmax_j(cap(scale * q[t,h] . k[j,g])) * v[j,g],   g = h / (n_heads / n_kv_heads)
//   over keys j with j <= pos(t) and (window <= 0 or pos(t) - j < window); pos(t) = q_start + t.
//   cap(s) = softcap * tanh(s / softcap) when softcap > 0, else s.
// q: f32 [n_q, n_heads, head_dim], row stride q_stride floats (a slice of a fused qkv buffer); out: dense f32
// [n_q, n_heads * head_dim]. K/V: pools of rows [slot, n_kv_heads * head_dim] in the cache dtype; the key at
// position j lives in row page_table[j / page_size] * page_size + j % page_size.
// Variants: attention_prefill_f32, attention_prefill_bf16 (cache dtype). head_dim <= 256.
// Traffic: each K/V element is read once per block of 8 queries (kv_len * kv_dim * 2 * elt * n_q / 8 per head
// group); FLOPs: 4 * head_dim per (query, key) pair + the exp of the online softmax.
// Launch (AttentionGeometry.prefill): grid = (ceil(n_q / 8), n_heads), block = 256 (one warp per query),
// dynamic shared memory = (8 * head_dim + key_tile * (head_dim + 1) + key_tile * head_dim) * 4 B with
// key_tile = 32 for head_dim <= 128 and 16 above (<= 48 KiB, no opt-in needed).
#include "common.cuh"

#define PREFILL_QUERIES 8
#define MAX_DIM_PER_LANE 8

template <typename T>
__device__ void attention_prefill(const float* q, long long q_stride, const T* k_pool, const T* v_pool,
                                  const int* page_table, int page_size, float* out, int n_q, int q_start,
                                  int kv_len, int n_heads, int n_kv_heads, int head_dim, float scale,
                                  float softcap, int window, int key_tile) {
    extern __shared__ float smem[];
    float* qs = smem;                                   // [8][head_dim]
    float* ks = qs + PREFILL_QUERIES * head_dim;        // [key_tile][head_dim + 1] (padded: no bank conflicts)
    float* vs = ks + key_tile * (head_dim + 1);         // [key_tile][head_dim]
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int h = blockIdx.y;
    int g = h / (n_heads / n_kv_heads);
    int kv_dim = n_kv_heads * head_dim;
    int q0 = blockIdx.x * PREFILL_QUERIES;
    int qi = q0 + warp;
    bool valid_q = qi < n_q;
    int qpos = q_start + qi;

    for (int e = threadIdx.x; e < PREFILL_QUERIES * head_dim; e += blockDim.x) {
        int r = e / head_dim, d = e % head_dim;
        qs[e] = (q0 + r < n_q) ? q[(long long)(q0 + r) * q_stride + (long long)h * head_dim + d] : 0.0f;
    }
    int last_q = min(q0 + PREFILL_QUERIES, n_q) - 1;
    int kend = min(kv_len, q_start + last_q + 1);
    int kbeg = window > 0 ? max(0, q_start + q0 - window + 1) : 0;

    float m = -INFINITY, l = 0.0f;
    float acc[MAX_DIM_PER_LANE];
#pragma unroll
    for (int i = 0; i < MAX_DIM_PER_LANE; i++) acc[i] = 0.0f;

    for (int k0 = kbeg; k0 < kend; k0 += key_tile) {
        __syncthreads();  // previous tile fully consumed (and qs written, on the first pass)
        for (int e = threadIdx.x; e < key_tile * head_dim; e += blockDim.x) {
            int j = e / head_dim, d = e % head_dim;
            int kpos = k0 + j;
            float kv = 0.0f, vv = 0.0f;
            if (kpos < kend) {
                size_t row = (size_t)page_table[kpos / page_size] * page_size + kpos % page_size;
                size_t idx = row * kv_dim + (size_t)g * head_dim + d;
                kv = ld(k_pool, idx);
                vv = ld(v_pool, idx);
            }
            ks[j * (head_dim + 1) + d] = kv;
            vs[j * head_dim + d] = vv;
        }
        __syncthreads();
        if (!valid_q) continue;  // warp-uniform
        float s = -INFINITY;
        int kpos = k0 + lane;
        if (lane < key_tile && kpos < kend && kpos <= qpos && (window <= 0 || qpos - kpos < window)) {
            const float* qr = qs + warp * head_dim;
            const float* kr = ks + lane * (head_dim + 1);
            float dot = 0.0f;
            for (int d = 0; d < head_dim; d++) dot += qr[d] * kr[d];
            s = dot * scale;
            if (softcap > 0.0f) s = softcap * tanhf(s / softcap);
        }
        float m_new = fmaxf(m, warp_max(s));
        if (m_new == -INFINITY) continue;  // nothing visible yet (warp-uniform)
        float p = (s == -INFINITY) ? 0.0f : expf(s - m_new);
        float corr = expf(m - m_new);
        l = l * corr + warp_sum(p);
#pragma unroll
        for (int i = 0; i < MAX_DIM_PER_LANE; i++) acc[i] *= corr;
        int nk = min(key_tile, kend - k0);
        for (int j = 0; j < nk; j++) {
            float pj = __shfl_sync(0xffffffffu, p, j);
            if (pj == 0.0f) continue;  // warp-uniform
            const float* vr = vs + j * head_dim;
#pragma unroll
            for (int i = 0; i < MAX_DIM_PER_LANE; i++) {
                int d = lane + 32 * i;
                if (d < head_dim) acc[i] += pj * vr[d];
            }
        }
        m = m_new;
    }
    if (!valid_q) return;
    float inv = l > 0.0f ? 1.0f / l : 0.0f;
    float* o = out + ((long long)qi * n_heads + h) * head_dim;
#pragma unroll
    for (int i = 0; i < MAX_DIM_PER_LANE; i++) {
        int d = lane + 32 * i;
        if (d < head_dim) o[d] = acc[i] * inv;
    }
}

extern "C" __global__ void attention_prefill_f32(const float* q, long long q_stride, const float* k_pool,
                                                 const float* v_pool, const int* page_table, int page_size,
                                                 float* out, int n_q, int q_start, int kv_len, int n_heads,
                                                 int n_kv_heads, int head_dim, float scale, float softcap,
                                                 int window, int key_tile) {
    attention_prefill<float>(q, q_stride, k_pool, v_pool, page_table, page_size, out, n_q, q_start, kv_len,
                             n_heads, n_kv_heads, head_dim, scale, softcap, window, key_tile);
}

extern "C" __global__ void attention_prefill_bf16(const float* q, long long q_stride, const bf16* k_pool,
                                                  const bf16* v_pool, const int* page_table, int page_size,
                                                  float* out, int n_q, int q_start, int kv_len, int n_heads,
                                                  int n_kv_heads, int head_dim, float scale, float softcap,
                                                  int window, int key_tile) {
    attention_prefill<bf16>(q, q_stride, k_pool, v_pool, page_table, page_size, out, n_q, q_start, kv_len,
                            n_heads, n_kv_heads, head_dim, scale, softcap, window, key_tile);
}
