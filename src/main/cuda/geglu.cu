// geglu.cu: gated MLP activation with GELU, out = gelu(gate) * up: the tanh approximation (Gemma, Gemma-2:
// gelu_pytorch_tanh) or, with exact != 0, the erf form (HF "gelu").
// Same layout contract as swiglu.cu (row stride `in_stride` for gate and up, dense out).
// Traffic per element: 8 B read + 4 B write; FLOPs: ~9 + tanh.
// Launch: 1-D elementwise over n_tokens * ffn, block 256, grid = ceil(n / 256).
#include "common.cuh"

extern "C" __global__ void geglu_f32(const float* gate, const float* up, float* out, int n_tokens, int ffn,
                                     long long in_stride, int exact) {
    long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= (long long)n_tokens * ffn) return;
    long long t = g / ffn;
    int i = (int)(g % ffn);
    float x = gate[t * in_stride + i];
    float act = exact ? 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)) : gelu_tanh(x);
    out[g] = act * up[t * in_stride + i];
}
