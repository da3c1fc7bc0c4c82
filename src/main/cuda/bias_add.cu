// bias_add.cu: adds a bias row to every row of a [n_rows, n] matrix in place (Qwen2 q/k/v projections).
// Variants: bias_add_f32, bias_add_bf16 (bias dtype).
// Traffic per element: 4 B read + 4 B write (+ bias, cached); FLOPs: 1.
// Launch: 1-D elementwise over n_rows * n, block 256, grid = ceil(n_rows * n / 256).
#include "common.cuh"

template <typename T>
__device__ void bias_add(float* x, const T* bias, int n_rows, int n) {
    long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (g < (long long)n_rows * n) x[g] += ld(bias, (size_t)(g % n));
}

extern "C" __global__ void bias_add_f32(float* x, const float* bias, int n_rows, int n) {
    bias_add<float>(x, bias, n_rows, n);
}

extern "C" __global__ void bias_add_bf16(float* x, const bf16* bias, int n_rows, int n) {
    bias_add<bf16>(x, bias, n_rows, n);
}
