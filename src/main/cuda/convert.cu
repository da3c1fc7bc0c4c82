// convert.cu: dtype conversion between f32 activations and bf16 GEMM operands (cuBLAS bf16 GEMMs take both
// operands in bf16; results come back in f32). Rounding is round-to-nearest-even, as torch's .to(bfloat16).
// Traffic per element: 4 B + 2 B; FLOPs: 0.
// Launch: 1-D elementwise, block 256, grid = ceil(n / 256).
#include "common.cuh"

extern "C" __global__ void f32_to_bf16(const float* in, bf16* out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __float2bfloat16_rn(in[i]);
}

extern "C" __global__ void bf16_to_f32(const bf16* in, float* out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __bfloat162float(in[i]);
}
