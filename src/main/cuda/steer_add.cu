// steer_add.cu: residual add fused with steering, per sequence of the batch.
//   residual[t] += delta[t] + strength[s] * vec[s]     where s = token_seq[t], when the token is selected
//   residual[t] += delta[t]                             otherwise (delta == NULL adds nothing)
// Selection of token t of sequence s at position p = token_pos[t] (position in its sequence) by mode[s]:
//   0 STEER_OFF        never
//   1 STEER_ALL        every position
//   2 STEER_PROMPT     p <  prompt_len[s]
//   3 STEER_GENERATED  p >= prompt_len[s]
//   4 STEER_FROM       p >= from_pos[s]           ("from step n": the host passes prompt_len + n)
// strength[s] is the schedule's value for the current step, evaluated on the host (one float per sequence per
// step, so a schedule costs nothing on the device). vec is [n_seqs, dim] f32.
// Traffic per element: read residual + delta + vec (12 B, vec cached across tokens of a sequence), write 4 B;
// FLOPs: 2 (fma + add). Per token: 5 ints of metadata (cached).
// Launch: 1-D elementwise over n_tokens * dim, block 256, grid = ceil(n / 256).
#include "common.cuh"

extern "C" __global__ void steer_add_f32(float* residual, const float* delta, const float* vec,
                                         const int* token_seq, const int* token_pos, const int* mode,
                                         const int* prompt_len, const int* from_pos, const float* strength,
                                         int n_tokens, int dim) {
    long long g = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (g >= (long long)n_tokens * dim) return;
    long long t = g / dim;
    int i = (int)(g % dim);
    float v = residual[g] + (delta ? delta[g] : 0.0f);
    int s = token_seq[t];
    if (s >= 0) {
        int p = token_pos[t];
        int m = mode[s];
        bool on = m == 1 || (m == 2 && p < prompt_len[s]) || (m == 3 && p >= prompt_len[s])
                  || (m == 4 && p >= from_pos[s]);
        if (on) v += strength[s] * vec[(size_t)s * dim + i];
    }
    residual[g] = v;
}
