// gemv.cu: matrix-vector product for batch-1 decode, y[r] = sum_c W[r, c] * x[c] (+ y[r] when accumulate != 0).
// W is row-major [rows, cols] (a Hugging Face Linear weight, out x in); x and y are f32.
// Variants: gemv_f32, gemv_bf16 (weight dtype). The bf16 variant reads 8 weights (16 B) per lane per step when
// cols % 8 == 0 and the row is 16-byte aligned, else one at a time.
// Traffic: the whole of W once (rows * cols * 4 or 2 B) + x (cols * 4 B, L1/L2 resident) + y; FLOPs: 2 per weight.
// Bandwidth-bound: the target is the device copy bandwidth for reading W.
// Launch: one warp per output row, block 256 (8 rows), grid = ceil(rows / 8) (GemvGeometry).
#include "common.cuh"

__device__ __forceinline__ float dot8(uint4 w, const float* x) {
    const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&w);
    float s = 0.0f;
#pragma unroll
    for (int j = 0; j < 4; j++) {
        float2 f = __bfloat1622float2(h[j]);
        s += f.x * x[2 * j] + f.y * x[2 * j + 1];
    }
    return s;
}

extern "C" __global__ void gemv_bf16(const bf16* W, const float* x, float* y, int rows, int cols, int accumulate) {
    int warp = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warp >= rows) return;
    const bf16* w = W + (size_t)warp * cols;
    float s = 0.0f;
    if ((cols & 7) == 0 && (reinterpret_cast<uintptr_t>(w) & 15) == 0) {
        const uint4* w8 = reinterpret_cast<const uint4*>(w);
        int n8 = cols >> 3;
        for (int c = lane; c < n8; c += 32) s += dot8(w8[c], x + 8 * c);
    } else {
        for (int c = lane; c < cols; c += 32) s += __bfloat162float(w[c]) * x[c];
    }
    s = warp_sum(s);
    if (lane == 0) y[warp] = accumulate ? y[warp] + s : s;
}

extern "C" __global__ void gemv_f32(const float* W, const float* x, float* y, int rows, int cols, int accumulate) {
    int warp = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warp >= rows) return;
    const float* w = W + (size_t)warp * cols;
    float s = 0.0f;
    if ((cols & 3) == 0 && ((reinterpret_cast<uintptr_t>(w) | reinterpret_cast<uintptr_t>(x)) & 15) == 0) {
        const float4* w4 = reinterpret_cast<const float4*>(w);
        const float4* x4 = reinterpret_cast<const float4*>(x);
        int n4 = cols >> 2;
        for (int c = lane; c < n4; c += 32) {
            float4 a = w4[c], b = x4[c];
            s += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
        }
    } else {
        for (int c = lane; c < cols; c += 32) s += w[c] * x[c];
    }
    s = warp_sum(s);
    if (lane == 0) y[warp] = accumulate ? y[warp] + s : s;
}
