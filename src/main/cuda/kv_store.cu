// kv_store.cu: writes the new tokens' keys and values into the paged KV cache.
// k_pool / v_pool hold [n_pages * page_size, kv_dim] elements (kv_dim = n_kv_heads * head_dim); slot[t] is the
// physical row of token t (page_table[pos / page_size] * page_size + pos % page_size, computed on the host by
// KvPageTable). k and v are f32 [n_tokens, *] with row stride `in_stride` floats (slices of a fused qkv buffer).
// Variants: kv_store_f32, kv_store_bf16 (cache dtype).
// Traffic per element: 2 x 4 B read + 2 x (4 or 2) B write; FLOPs: 0.
// Launch: 1-D elementwise over n_tokens * kv_dim, block 256, grid = ceil(n / 256).
#include "common.cuh"

template <typename T>
__device__ void kv_store(const float* k, const float* v, long long in_stride, T* k_pool, T* v_pool,
                         const int* slot, int n_tokens, int kv_dim) {
    long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= (long long)n_tokens * kv_dim) return;
    long long t = g / kv_dim;
    int i = (int)(g % kv_dim);
    size_t dst = (size_t)slot[t] * kv_dim + i;
    st(k_pool, dst, k[t * in_stride + i]);
    st(v_pool, dst, v[t * in_stride + i]);
}

extern "C" __global__ void kv_store_f32(const float* k, const float* v, long long in_stride, float* k_pool,
                                        float* v_pool, const int* slot, int n_tokens, int kv_dim) {
    kv_store<float>(k, v, in_stride, k_pool, v_pool, slot, n_tokens, kv_dim);
}

extern "C" __global__ void kv_store_bf16(const float* k, const float* v, long long in_stride, bf16* k_pool,
                                         bf16* v_pool, const int* slot, int n_tokens, int kv_dim) {
    kv_store<bf16>(k, v, in_stride, k_pool, v_pool, slot, n_tokens, kv_dim);
}
