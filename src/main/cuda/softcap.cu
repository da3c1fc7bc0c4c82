// softcap.cu: soft-capping in place, x = cap * tanh(x / cap) (Gemma-2 final logits; attention logits are capped
// inside the attention kernels).
// Traffic per element: 4 B read + 4 B write; FLOPs: 2 + tanh.
// Launch: 1-D elementwise, block 256, grid = ceil(n / 256).
#include "common.cuh"

extern "C" __global__ void softcap_f32(float* x, long long n, float cap) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = cap * tanhf(x[i] / cap);
}
