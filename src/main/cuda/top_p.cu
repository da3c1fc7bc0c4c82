// top_p.cu: temperature + nucleus (top-p) sampling on the device, one row (sequence) per block.
//   x_i = logits[r, i] / temperature[r],  p_i = exp(x_i - max x)          (unnormalized; Z = sum p_i)
//   tau = the largest value such that sum_{p_i >= tau} p_i >= top_p[r] * Z   (top_p >= 1 keeps every token)
//   kept = { i : p_i >= tau },  K = sum_{kept} p_i
//   ids[r] = the first kept i (vocabulary order) whose running kept sum exceeds uniform[r] * K.
// uniform[r] in [0, 1) is drawn on the host from the sequence's seeded generator, so sampling stays reproducible.
// Sampling in vocabulary order rather than sorted order gives the same distribution as sorting first.
// tau is found by a 31-step radix search over the bit patterns of the (non-negative) p_i, one block sum per step.
// probs is a workspace [n_rows, vocab] f32.
// Traffic per row: vocab * 4 B read + vocab * 4 B written once, then ~33 passes over probs (L2 resident);
// FLOPs: ~1 exp + 35 adds per vocab entry.
// Launch: grid = (n_rows), block = 1024, static shared 8.3 KiB.
#include "common.cuh"

#define TOPP_THREADS 1024

extern "C" __global__ void top_p_f32(const float* logits, long long row_stride, int vocab, const float* temperature,
                                     const float* top_p, const float* uniform, float* probs, int* ids) {
    __shared__ float scratch[32];
    __shared__ float local_sum[TOPP_THREADS];
    __shared__ int last_kept[TOPP_THREADS];
    __shared__ int chosen;
    const float* x = logits + (size_t)blockIdx.x * row_stride;
    float* p = probs + (size_t)blockIdx.x * vocab;
    float temp = temperature[blockIdx.x];

    float m = -INFINITY;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) m = fmaxf(m, x[i] / temp);
    m = block_max(m, scratch);
    float z = 0.0f;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        float v = expf(x[i] / temp - m);
        p[i] = v;
        z += v;
    }
    z = block_sum(z, scratch);  // also orders the p[] writes before the reads below

    unsigned tau = 0;
    float target_mass = top_p[blockIdx.x] * z;
    if (top_p[blockIdx.x] < 1.0f) {
        for (int bit = 30; bit >= 0; bit--) {
            unsigned trial = tau | (1u << bit);
            float s = 0.0f;
            for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
                float v = p[i];
                if (__float_as_uint(v) >= trial) s += v;
            }
            if (block_sum(s, scratch) >= target_mass) tau = trial;
        }
    }
    // Inverse CDF in vocabulary order: each thread owns a contiguous chunk; thread 0 scans the chunk sums serially so
    // the chunk intervals are exactly adjacent.
    int chunk = (vocab + blockDim.x - 1) / blockDim.x;
    int lo = threadIdx.x * chunk, hi = min(vocab, lo + chunk);
    float s = 0.0f;
    int last = -1;
    for (int i = lo; i < hi; i++) {
        float v = p[i];
        if (__float_as_uint(v) >= tau) { s += v; last = i; }
    }
    local_sum[threadIdx.x] = s;
    last_kept[threadIdx.x] = last;
    if (threadIdx.x == 0) chosen = -1;
    __syncthreads();
    if (threadIdx.x == 0) {
        float run = 0.0f;
        for (int t = 0; t < (int)blockDim.x; t++) { float v = local_sum[t]; local_sum[t] = run; run += v; }
        scratch[0] = run;  // K
    }
    __syncthreads();
    float target = uniform[blockIdx.x] * scratch[0];
    float start = local_sum[threadIdx.x];
    float end = threadIdx.x + 1 < blockDim.x ? local_sum[threadIdx.x + 1] : scratch[0];
    if (last >= 0 && start <= target && target < end) {
        float run = start;
        int pick = last;
        for (int i = lo; i < hi; i++) {
            float v = p[i];
            if (__float_as_uint(v) >= tau) {
                run += v;
                if (run > target) { pick = i; break; }
            }
        }
        atomicMax(&chosen, pick);  // only one chunk can contain the target; max() guards against rounding overlap
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        int pick = chosen;
        if (pick < 0) {  // target at or beyond K by rounding: take the last kept token
            for (int t = blockDim.x - 1; t >= 0 && pick < 0; t--) pick = last_kept[t];
        }
        ids[blockIdx.x] = pick < 0 ? 0 : pick;
    }
}
