// attention_decode.cu: single-token attention for a batch of sequences (decode), split-K over the KV cache.
// Pass 1 (attention_decode_split_*): block (split, head, seq) scans keys [split * split_len, (split+1) * split_len)
// of that sequence's cache with an online softmax and writes an unnormalized partial (m, l, acc[head_dim]) to
// `partial` [n_seqs, n_heads, n_splits, head_dim + 2]. Pass 2 (attention_decode_reduce) merges the splits:
//   M = max_s m_s,  out = sum_s exp(m_s - M) acc_s / sum_s exp(m_s - M) l_s.
// The query of sequence b is at position kv_lens[b] - 1 (its own key was stored first); masking, GQA, window and
// soft-cap as in attention_prefill.cu. page_tables is [n_seqs, max_pages].
// Variants: attention_decode_split_f32, attention_decode_split_bf16 (cache dtype); one reduce kernel.
// Traffic: every visible K and V element once (2 * kv_len * head_dim * elt per (seq, head)) + partials
// (n_splits * (head_dim + 2) * 4 B written and read); FLOPs: 4 * head_dim per key + 2 exp.
// Launch (AttentionGeometry.decode): split kernel grid = (n_splits, n_heads, n_seqs), block = 128 (4 warps, keys
// interleaved across warps, one key per warp step, lanes over head_dim), static shared memory;
// reduce kernel grid = (n_heads, n_seqs), block = 128.
#include "common.cuh"

#define DECODE_WARPS 4
#define MAX_DIM_PER_LANE 8

template <typename T>
__device__ void attention_decode_split(const float* q, long long q_stride, const T* k_pool, const T* v_pool,
                                       const int* page_tables, int max_pages, const int* kv_lens, int page_size,
                                       float* partial, int n_heads, int n_kv_heads, int head_dim, float scale,
                                       float softcap, int window, int split_len, int n_splits) {
    __shared__ float w_m[DECODE_WARPS], w_l[DECODE_WARPS];
    __shared__ float w_acc[DECODE_WARPS][32 * MAX_DIM_PER_LANE];
    int split = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int g = h / (n_heads / n_kv_heads);
    int kv_dim = n_kv_heads * head_dim;
    int kv_len = kv_lens[b];
    int qpos = kv_len - 1;
    int kbeg = max(split * split_len, window > 0 ? qpos - window + 1 : 0);
    int kend = min((split + 1) * split_len, kv_len);
    const int* pt = page_tables + (size_t)b * max_pages;
    const float* qr = q + (long long)b * q_stride + (long long)h * head_dim;

    float qv[MAX_DIM_PER_LANE], acc[MAX_DIM_PER_LANE];
#pragma unroll
    for (int i = 0; i < MAX_DIM_PER_LANE; i++) {
        int d = lane + 32 * i;
        qv[i] = d < head_dim ? qr[d] : 0.0f;
        acc[i] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    for (int j = kbeg + warp; j < kend; j += DECODE_WARPS) {
        size_t base = ((size_t)pt[j / page_size] * page_size + j % page_size) * kv_dim + (size_t)g * head_dim;
        float dot = 0.0f;
#pragma unroll
        for (int i = 0; i < MAX_DIM_PER_LANE; i++) {
            int d = lane + 32 * i;
            if (d < head_dim) dot += qv[i] * ld(k_pool, base + d);
        }
        float s = warp_sum(dot) * scale;
        if (softcap > 0.0f) s = softcap * tanhf(s / softcap);
        float m_new = fmaxf(m, s);
        float corr = expf(m - m_new);
        float p = expf(s - m_new);
        l = l * corr + p;
#pragma unroll
        for (int i = 0; i < MAX_DIM_PER_LANE; i++) {
            int d = lane + 32 * i;
            if (d < head_dim) acc[i] = acc[i] * corr + p * ld(v_pool, base + d);
        }
        m = m_new;
    }
    if (lane == 0) { w_m[warp] = m; w_l[warp] = l; }
#pragma unroll
    for (int i = 0; i < MAX_DIM_PER_LANE; i++) w_acc[warp][lane + 32 * i] = acc[i];
    __syncthreads();
    float M = -INFINITY;
    for (int w = 0; w < DECODE_WARPS; w++) M = fmaxf(M, w_m[w]);
    float* dst = partial + (((size_t)b * n_heads + h) * n_splits + split) * (head_dim + 2);
    if (threadIdx.x == 0) {
        float L = 0.0f;
        if (M != -INFINITY) for (int w = 0; w < DECODE_WARPS; w++) L += w_l[w] * expf(w_m[w] - M);
        dst[0] = M;
        dst[1] = L;
    }
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float a = 0.0f;
        if (M != -INFINITY) {
            for (int w = 0; w < DECODE_WARPS; w++) a += w_acc[w][d] * expf(w_m[w] - M);
        }
        dst[2 + d] = a;
    }
}

extern "C" __global__ void attention_decode_split_f32(const float* q, long long q_stride, const float* k_pool,
                                                      const float* v_pool, const int* page_tables, int max_pages,
                                                      const int* kv_lens, int page_size, float* partial,
                                                      int n_heads, int n_kv_heads, int head_dim, float scale,
                                                      float softcap, int window, int split_len, int n_splits) {
    attention_decode_split<float>(q, q_stride, k_pool, v_pool, page_tables, max_pages, kv_lens, page_size, partial,
                                  n_heads, n_kv_heads, head_dim, scale, softcap, window, split_len, n_splits);
}

extern "C" __global__ void attention_decode_split_bf16(const float* q, long long q_stride, const bf16* k_pool,
                                                       const bf16* v_pool, const int* page_tables, int max_pages,
                                                       const int* kv_lens, int page_size, float* partial,
                                                       int n_heads, int n_kv_heads, int head_dim, float scale,
                                                       float softcap, int window, int split_len, int n_splits) {
    attention_decode_split<bf16>(q, q_stride, k_pool, v_pool, page_tables, max_pages, kv_lens, page_size, partial,
                                 n_heads, n_kv_heads, head_dim, scale, softcap, window, split_len, n_splits);
}

// out: dense f32 [n_seqs, n_heads * head_dim].
extern "C" __global__ void attention_decode_reduce(const float* partial, float* out, int n_heads, int head_dim,
                                                   int n_splits) {
    int h = blockIdx.x, b = blockIdx.y;
    const float* src = partial + ((size_t)b * n_heads + h) * n_splits * (head_dim + 2);
    float M = -INFINITY;
    for (int s = 0; s < n_splits; s++) M = fmaxf(M, src[(size_t)s * (head_dim + 2)]);
    float L = 0.0f;
    if (M != -INFINITY) {
        for (int s = 0; s < n_splits; s++) {
            const float* p = src + (size_t)s * (head_dim + 2);
            L += p[1] * expf(p[0] - M);
        }
    }
    float inv = L > 0.0f ? 1.0f / L : 0.0f;
    float* o = out + ((size_t)b * n_heads + h) * head_dim;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float a = 0.0f;
        if (M != -INFINITY) {
            for (int s = 0; s < n_splits; s++) {
                const float* p = src + (size_t)s * (head_dim + 2);
                a += p[2 + d] * expf(p[0] - M);
            }
        }
        o[d] = a * inv;
    }
}
