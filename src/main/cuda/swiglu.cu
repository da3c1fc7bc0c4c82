// swiglu.cu: gated MLP activation with SiLU, out = silu(gate) * up (Llama, Qwen2).
// gate and up are [n_tokens, ffn] with row stride `in_stride` floats (so the two halves of a fused gate|up GEMM
// output can be passed as gate = buf, up = buf + ffn, in_stride = 2*ffn); out is dense [n_tokens, ffn].
// Traffic per element: 8 B read + 4 B write; FLOPs: ~4 + exp.
// Launch: 1-D elementwise over n_tokens * ffn, block 256, grid = ceil(n / 256).
#include "common.cuh"

extern "C" __global__ void swiglu_f32(const float* gate, const float* up, float* out, int n_tokens, int ffn,
                                      long long in_stride) {
    long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= (long long)n_tokens * ffn) return;
    long long t = g / ffn;
    int i = (int)(g % ffn);
    out[g] = silu(gate[t * in_stride + i]) * up[t * in_stride + i];
}
