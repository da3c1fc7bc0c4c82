// add.cu: in-place residual add, x[i] += y[i] (the unfused path: the steered add is steer_add.cu, the add before a
// norm is fused into rmsnorm.cu).
// Traffic per element: 8 B read + 4 B write; FLOPs: 1.
// Launch: 1-D elementwise, block 256, grid = ceil(n / 256).
#include "common.cuh"

extern "C" __global__ void add_f32(float* x, const float* y, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] += y[i];
}
