// rmsnorm.cu: RMSNorm fused with the residual add.
//   residual[r] += delta[r]                         (skipped when delta == NULL)
//   out[r]       = residual[r] * rsqrt(mean(residual[r]^2) + eps) * (w + w_offset)
// w_offset is 0 for Llama/Qwen2 and 1 for Gemma ((1 + w) weights). `out` may equal `residual` only when
// delta == NULL (a plain in-place norm).
// Variants: rmsnorm_residual_f32 (f32 weight), rmsnorm_residual_bf16 (bf16 weight); activations are f32.
// Traffic per element: read residual + delta (8 B), write residual (4 B, only with delta), read w (4 or 2 B,
// cached across rows), write out (4 B): ~16-20 B; FLOPs per element: ~5 (add, square-accumulate, 2 mul, offset).
// Launch: grid = (n_rows), block = RmsNormGeometry.block(dim) threads (multiple of 32, <= 1024); two passes over
// the row, the second re-reads residual from L1/L2.
#include "common.cuh"

template <typename W>
__device__ void rmsnorm_residual(float* residual, const float* delta, const W* weight, float* out,
                                 int dim, float eps, float w_offset) {
    __shared__ float scratch[32];
    size_t row = blockIdx.x;
    float* x = residual + row * (size_t)dim;
    const float* d = delta ? delta + row * (size_t)dim : nullptr;
    float* y = out + row * (size_t)dim;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        float v = x[i];
        if (d) { v += d[i]; x[i] = v; }
        ss += v * v;
    }
    ss = block_sum(ss, scratch);
    float inv = rsqrtf(ss / (float)dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        y[i] = x[i] * inv * (ld(weight, i) + w_offset);
    }
}

extern "C" __global__ void rmsnorm_residual_f32(float* residual, const float* delta, const float* weight,
                                                float* out, int dim, float eps, float w_offset) {
    rmsnorm_residual<float>(residual, delta, weight, out, dim, eps, w_offset);
}

extern "C" __global__ void rmsnorm_residual_bf16(float* residual, const float* delta, const bf16* weight,
                                                 float* out, int dim, float eps, float w_offset) {
    rmsnorm_residual<bf16>(residual, delta, weight, out, dim, eps, w_offset);
}
