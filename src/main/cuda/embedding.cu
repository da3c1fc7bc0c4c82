// embedding.cu: embedding gather with a scale, out[t] = table[ids[t]] * scale (Gemma scales by sqrt(dim),
// others pass 1). An id outside [0, vocab) writes NaN into its row so the error cannot pass silently (the host
// validates ids before launching).
// Variants: embedding_f32, embedding_bf16 (table dtype); out is f32 [n_tokens, dim].
// Traffic per element: 4 or 2 B read + 4 B write; FLOPs: 1.
// Launch: 1-D elementwise over n_tokens * dim, block 256, grid = ceil(n / 256).
#include "common.cuh"

template <typename T>
__device__ void embedding(const int* ids, const T* table, float* out, int n_tokens, int dim, int vocab,
                          float scale) {
    long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= (long long)n_tokens * dim) return;
    long long t = g / dim;
    int i = (int)(g % dim);
    int id = ids[t];
    out[g] = (id < 0 || id >= vocab) ? __int_as_float(0x7fc00000) : ld(table, (size_t)id * dim + i) * scale;
}

extern "C" __global__ void embedding_f32(const int* ids, const float* table, float* out, int n_tokens, int dim,
                                         int vocab, float scale) {
    embedding<float>(ids, table, out, n_tokens, dim, vocab, scale);
}

extern "C" __global__ void embedding_bf16(const int* ids, const bf16* table, float* out, int n_tokens, int dim,
                                          int vocab, float scale) {
    embedding<bf16>(ids, table, out, n_tokens, dim, vocab, scale);
}
