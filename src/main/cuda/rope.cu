// rope.cu: rotary position embedding, in place: half-rotation (GPT-NeoX / Hugging Face layout, pairs (i, i + rot/2))
// or, with interleaved != 0, adjacent pairs (2i, 2i + 1) (GGUF / Meta layout).
// For token t, head h and pair i < rot_dim/2 (rot_dim <= head_dim; dims >= rot_dim pass through):
//   a = x[t,h,i0], b = x[t,h,i1], angle = pos[t] * inv_freq[i], c = cos(angle) * s, s' = sin(angle) * s
//   x[t,h,i0] = a*c - b*s';  x[t,h,i1] = b*c + a*s'          (s = attn_scaling, 1 unless YaRN-style scaling)
// inv_freq (rot_dim/2 floats) comes from the host, so Llama-3 / linear rope scaling are the host's business and
// the angle is the same f32 product Hugging Face computes.
// Traffic per pair: read 2 x 4 B + inv_freq (cached) + pos (cached), write 2 x 4 B = 16 B; FLOPs: ~6 + sincos.
// Launch: 1-D, one thread per (token, head, pair): n = n_tokens * n_heads * rot_dim/2, block 256,
// grid = ceil(n / 256) (ElementwiseGeometry). x is [n_tokens, n_heads, head_dim] f32 with row stride
// `token_stride` floats (so q and k slices of a fused qkv buffer can be rotated in place).
#include "common.cuh"

extern "C" __global__ void rope_f32(float* x, const int* pos, const float* inv_freq, int n_tokens, int n_heads,
                                    int head_dim, int rot_dim, long long token_stride, float attn_scaling,
                                    int interleaved) {
    int half = rot_dim / 2;
    long long n = (long long)n_tokens * n_heads * half;
    long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= n) return;
    int i = (int)(g % half);
    long long th = g / half;
    int h = (int)(th % n_heads);
    long long t = th / n_heads;
    float* v = x + t * token_stride + (long long)h * head_dim;
    float angle = (float)pos[t] * inv_freq[i];
    float s, c;
    sincosf(angle, &s, &c);
    c *= attn_scaling;
    s *= attn_scaling;
    int i0 = interleaved ? 2 * i : i;
    int i1 = interleaved ? i0 + 1 : i + half;
    float a = v[i0], b = v[i1];
    v[i0] = a * c - b * s;
    v[i1] = b * c + a * s;
}
