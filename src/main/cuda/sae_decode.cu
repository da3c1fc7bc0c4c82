// sae_decode.cu: sparse SAE decode, a gather of k decoder rows per token:
//   out[t, d] = b_dec[d] + sum_j val[t, j] * W_dec[idx[t, j], d]      (b_dec may be NULL; idx < 0 is skipped)
// W_dec is [d_sae, d_in] (SAELens layout). Used for reconstructions and for building steering vectors from latents.
// Variants: sae_decode_f32, sae_decode_bf16 (weight dtype).
// Traffic per token: k rows of W_dec (k * d_in * elt, coalesced) + k * 8 B indices/values + d_in * 4 B out;
// FLOPs: 2 * k * d_in.
// Launch: grid = (ceil(d_in / 256), n_tokens), block = 256.
#include "common.cuh"

template <typename W>
__device__ void sae_decode(const float* val, const int* idx, const W* w_dec, const W* b_dec, float* out, int k,
                           int d_in) {
    int d = blockIdx.x * blockDim.x + threadIdx.x;
    size_t t = blockIdx.y;
    if (d >= d_in) return;
    float s = b_dec ? ld(b_dec, d) : 0.0f;
    for (int j = 0; j < k; j++) {
        int n = idx[t * k + j];
        float v = val[t * k + j];
        if (n >= 0 && v != 0.0f) s += v * ld(w_dec, (size_t)n * d_in + d);
    }
    out[t * d_in + d] = s;
}

extern "C" __global__ void sae_decode_f32(const float* val, const int* idx, const float* w_dec, const float* b_dec,
                                          float* out, int k, int d_in) {
    sae_decode<float>(val, idx, w_dec, b_dec, out, k, d_in);
}

extern "C" __global__ void sae_decode_bf16(const float* val, const int* idx, const bf16* w_dec, const bf16* b_dec,
                                           float* out, int k, int d_in) {
    sae_decode<bf16>(val, idx, w_dec, b_dec, out, k, d_in);
}
