package org.saifengine.sae;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.saifengine.backend.cpu.Lanes;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Exact fused CPU encode (the reference for {@link ScreenedEncoder}, which {@link Sae#encode} uses): one pass over
 * the f32 encoder rows that computes each token's pre-activations a latent block at
 * a time and feeds them straight into a small per-token heap, so no dense d_sae vector per token is ever built.
 *
 * Tiling: a micro-kernel holds 4 tokens x 2 vectors of latents in registers and walks d_in once, so each W_enc
 * load is reused by 4 tokens; a latent block's W_enc columns (d_in x 2 vectors) stay in cache while the kernel
 * sweeps all token groups. Threads split the latents into contiguous ranges, each with its own per-token heaps,
 * merged at the end, which parallelises batch 1 as well as large batches.
 */
public final class FusedEncoder {
    private static final VectorSpecies<Float> S = VectorOps.S;
    private static final int L = S.length();
    private static final int BLOCK = 2 * L;   // latents per micro-kernel
    private static final int TOK = 4;         // tokens per micro-kernel

    private FusedEncoder() {}

    static SparseCode[] encode(Sae sae, float[][] xs, NormState[] norms, int capacity) {
        int T = xs.length;
        int dSae = sae.dSae();
        if (T == 0) return new SparseCode[0];
        int blocks = (dSae + BLOCK - 1) / BLOCK;
        int threads = Math.max(1, ForkJoinPool.getCommonPoolParallelism());
        int tasks = Math.min(blocks, threads * 2);
        LatentHeap[][] heaps = new LatentHeap[tasks][T];
        IntStream.range(0, tasks).parallel().forEach(task -> {
            int b0 = (int) ((long) blocks * task / tasks), b1 = (int) ((long) blocks * (task + 1) / tasks);
            LatentHeap[] mine = heaps[task];
            for (int t = 0; t < T; t++) mine[t] = new LatentHeap(capacity);
            encodeRange(sae, xs, b0 * BLOCK, Math.min(dSae, b1 * BLOCK), mine);
        });
        return LatentHeap.merge(heaps, norms);
    }

    /**
     * Dense pre-activations out[t][j] = xs[t] · W_enc[:, j] (no bias) with the same tiled kernel, multi-threaded over
     * latent blocks. For training, where every latent's pre-activation is needed (AuxK looks at dead ones).
     */
    public static void dots(float[] wEnc, int dIn, int dSae, float[][] xs, float[][] out) {
        int T = xs.length;
        if (T == 0) return;
        int blocks = (dSae + BLOCK - 1) / BLOCK;
        int threads = Math.max(1, ForkJoinPool.getCommonPoolParallelism());
        int tasks = Math.min(blocks, threads * 2);
        IntStream.range(0, tasks).parallel().forEach(task -> {
            int b0 = (int) ((long) blocks * task / tasks), b1 = (int) ((long) blocks * (task + 1) / tasks);
            int j1 = Math.min(dSae, b1 * BLOCK);
            float[] zero = new float[dIn];
            float[] buf = new float[TOK * BLOCK];
            int j = b0 * BLOCK;
            for (; j + BLOCK <= j1; j += BLOCK) {
                for (int t0 = 0; t0 < T; t0 += TOK) {
                    kernel(wEnc, dIn, dSae, j, xs[t0], t0 + 1 < T ? xs[t0 + 1] : zero,
                            t0 + 2 < T ? xs[t0 + 2] : zero, t0 + 3 < T ? xs[t0 + 3] : zero, buf);
                    int nt = Math.min(TOK, T - t0);
                    for (int t = 0; t < nt; t++) System.arraycopy(buf, t * BLOCK, out[t0 + t], j, BLOCK);
                }
            }
            for (; j < j1; j++) {
                for (int t = 0; t < T; t++) {
                    float s = 0f;
                    float[] x = xs[t];
                    for (int i = 0; i < dIn; i++) s = Math.fma(x[i], wEnc[i * dSae + j], s);
                    out[t][j] = s;
                }
            }
        });
    }

    /**
     * Dense pre-activations out[t][j] = xs[t] · encoder row j (no bias) from latent-major rows [d_sae, d_in], with the
     * encode kernels, multi-threaded over latents: the "dense encode, then select" baseline of the benchmarks.
     */
    public static void rowDots(float[] rows, int dIn, int dSae, float[][] xs, float[][] out) {
        int T = xs.length;
        if (T == 0) return;
        int blocks = (dSae + 3) / 4;
        int threads = Math.max(1, ForkJoinPool.getCommonPoolParallelism());
        int tasks = Math.min(blocks, threads * 2);
        int upper = S.loopBound(dIn);
        IntStream.range(0, tasks).parallel().forEach(task -> {
            int j0 = (int) ((long) blocks * task / tasks) * 4, j1 = Math.min(dSae, (int) ((long) blocks * (task + 1) / tasks) * 4);
            float[] zero = new float[dIn];
            float[] d16 = new float[16];
            for (int tb = 0; tb < T; tb += TOKEN_BLOCK) {
                int te = Math.min(T, tb + TOKEN_BLOCK);
                int j = j0;
                for (; j + 4 <= j1; j += 4) {
                    for (int t0 = tb; t0 < te; t0 += TOK) {
                        block4x4(rows, j * dIn, dIn, upper, xs[t0], t0 + 1 < te ? xs[t0 + 1] : zero,
                                t0 + 2 < te ? xs[t0 + 2] : zero, t0 + 3 < te ? xs[t0 + 3] : zero, d16);
                        int nt = Math.min(TOK, te - t0);
                        for (int q = 0; q < 4; q++) for (int t = 0; t < nt; t++) out[t0 + t][j + q] = d16[q * 4 + t];
                    }
                }
                for (; j < j1; j++) for (int t = tb; t < te; t++) out[t][j] = VectorOps.dot(rows, j * dIn, xs[t], 0, dIn);
            }
        });
    }

    /** Tokens per cache block: their inputs stay in L2 while W_enc^T streams past once per block. */
    private static final int TOKEN_BLOCK = 32;

    /** Latents [j0, j1) for every token, reading W_enc^T [d_sae, d_in] row by row. */
    private static void encodeRange(Sae sae, float[][] xs, int j0, int j1, LatentHeap[] heaps) {
        int T = xs.length, dIn = sae.dIn();
        float[] wT = sae.weights().encoderRows();
        float[] zero = new float[dIn];
        float[] dots = new float[TOK];
        float[] dots16 = new float[16];
        float[] cut = sae.cutoffs(), floorBias = sae.floorBias();
        int upper = S.loopBound(dIn);
        for (int tb = 0; tb < T; tb += TOKEN_BLOCK) {
            int te = Math.min(T, tb + TOKEN_BLOCK);
            if (te - tb == 1) {
                single(sae, wT, xs[tb], j0, j1, heaps[tb], cut, floorBias);
                continue;
            }
            int j = j0;
            // 4 latents x 4 tokens per pass: 8 loads feed 16 FMAs.
            for (; j + 4 <= j1; j += 4) {
                for (int t0 = tb; t0 < te; t0 += TOK) {
                    float[] x0 = xs[t0];
                    float[] x1 = t0 + 1 < te ? xs[t0 + 1] : zero;
                    float[] x2 = t0 + 2 < te ? xs[t0 + 2] : zero;
                    float[] x3 = t0 + 3 < te ? xs[t0 + 3] : zero;
                    block4x4(wT, j * dIn, dIn, upper, x0, x1, x2, x3, dots16);
                    int nt = Math.min(TOK, te - t0);
                    for (int q = 0; q < 4; q++) {
                        int jj = j + q;
                        for (int t = 0; t < nt; t++) {
                            float d = dots16[q * 4 + t];
                            LatentHeap h = heaps[t0 + t];
                            if (cut != null) {
                                if (!(d > cut[jj])) continue;
                                if (floorBias != null && !(d + floorBias[jj] >= h.floor())) continue;
                            }
                            h.offer(jj, sae.activate(jj, d));
                        }
                    }
                }
            }
            for (; j < j1; j++) {
                int row = j * dIn;
                for (int t0 = tb; t0 < te; t0 += TOK) {
                    float[] x0 = xs[t0];
                    float[] x1 = t0 + 1 < te ? xs[t0 + 1] : zero;
                    float[] x2 = t0 + 2 < te ? xs[t0 + 2] : zero;
                    float[] x3 = t0 + 3 < te ? xs[t0 + 3] : zero;
                    rowDots(wT, row, dIn, upper, x0, x1, x2, x3, dots);
                    int nt = Math.min(TOK, te - t0);
                    for (int t = 0; t < nt; t++) {
                        float d = dots[t];
                        if (cut != null) {
                            if (!(d > cut[j])) continue;
                            LatentHeap h = heaps[t0 + t];
                            if (floorBias != null && !(d + floorBias[j] >= h.floor())) continue;
                            h.offer(j, sae.activate(j, d));
                        } else {
                            heaps[t0 + t].offer(j, sae.activate(j, d));
                        }
                    }
                }
            }
        }
    }

    /** One token (decode-time batch 1): four latents per pass, so each load of x feeds 4 FMAs. */
    private static void single(Sae sae, float[] wT, float[] x, int j0, int j1, LatentHeap h, float[] cut, float[] floorBias) {
        int dIn = sae.dIn();
        int upper = S.loopBound(dIn);
        int j = j0;
        float[] d = new float[4];
        for (; j < j1; j += 4) {
            int nj = Math.min(4, j1 - j);
            if (nj == 4) {
                int r0 = j * dIn;
                dots4(wT, r0, r0 + dIn, r0 + 2 * dIn, r0 + 3 * dIn, dIn, upper, x, d);
            } else {
                for (int q = 0; q < nj; q++) d[q] = VectorOps.dot(wT, (j + q) * dIn, x, 0, dIn);
            }
            for (int q = 0; q < nj; q++) {
                int jj = j + q;
                float v = d[q];
                if (cut != null) {
                    if (!(v > cut[jj])) continue;
                    if (floorBias != null && !(v + floorBias[jj] >= h.floor())) continue;
                }
                h.offer(jj, sae.activate(jj, v));
            }
        }
    }

    /** out[k] = rows[r_k .. r_k + dIn) · x for 4 rows, each with VectorOps.dot's exact order of operations. */
    static void dots4(float[] w, int r0, int r1, int r2, int r3, int dIn, int upper, float[] x, float[] out) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, i);
            a0 = FloatVector.fromArray(S, w, r0 + i).fma(xv, a0);
            a1 = FloatVector.fromArray(S, w, r1 + i).fma(xv, a1);
            a2 = FloatVector.fromArray(S, w, r2 + i).fma(xv, a2);
            a3 = FloatVector.fromArray(S, w, r3 + i).fma(xv, a3);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1), s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; i < dIn; i++) {
            s0 = Math.fma(w[r0 + i], x[i], s0);
            s1 = Math.fma(w[r1 + i], x[i], s1);
            s2 = Math.fma(w[r2 + i], x[i], s2);
            s3 = Math.fma(w[r3 + i], x[i], s3);
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    /** out[q*4 + t] = x_t · W_enc^T row (latent j+q), for 4 consecutive latents starting at row r0 and 4 tokens. */
    static void block4x4(float[] w, int r0, int dIn, int upper, float[] x0, float[] x1, float[] x2, float[] x3, float[] out) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S), a03 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S), a13 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S), a23 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S), a33 = FloatVector.zero(S);
        int r1 = r0 + dIn, r2 = r1 + dIn, r3 = r2 + dIn;
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, i), v1 = FloatVector.fromArray(S, x1, i);
            FloatVector v2 = FloatVector.fromArray(S, x2, i), v3 = FloatVector.fromArray(S, x3, i);
            FloatVector w0 = FloatVector.fromArray(S, w, r0 + i);
            a00 = w0.fma(v0, a00); a01 = w0.fma(v1, a01); a02 = w0.fma(v2, a02); a03 = w0.fma(v3, a03);
            FloatVector w1 = FloatVector.fromArray(S, w, r1 + i);
            a10 = w1.fma(v0, a10); a11 = w1.fma(v1, a11); a12 = w1.fma(v2, a12); a13 = w1.fma(v3, a13);
            FloatVector w2 = FloatVector.fromArray(S, w, r2 + i);
            a20 = w2.fma(v0, a20); a21 = w2.fma(v1, a21); a22 = w2.fma(v2, a22); a23 = w2.fma(v3, a23);
            FloatVector w3 = FloatVector.fromArray(S, w, r3 + i);
            a30 = w3.fma(v0, a30); a31 = w3.fma(v1, a31); a32 = w3.fma(v2, a32); a33 = w3.fma(v3, a33);
        }
        out[0] = Lanes.sum(a00); out[1] = Lanes.sum(a01);
        out[2] = Lanes.sum(a02); out[3] = Lanes.sum(a03);
        out[4] = Lanes.sum(a10); out[5] = Lanes.sum(a11);
        out[6] = Lanes.sum(a12); out[7] = Lanes.sum(a13);
        out[8] = Lanes.sum(a20); out[9] = Lanes.sum(a21);
        out[10] = Lanes.sum(a22); out[11] = Lanes.sum(a23);
        out[12] = Lanes.sum(a30); out[13] = Lanes.sum(a31);
        out[14] = Lanes.sum(a32); out[15] = Lanes.sum(a33);
        for (; i < dIn; i++) {
            float[] xsI = {x0[i], x1[i], x2[i], x3[i]};
            for (int q = 0; q < 4; q++) {
                float wq = w[r0 + q * dIn + i];
                for (int t = 0; t < 4; t++) out[q * 4 + t] = Math.fma(wq, xsI[t], out[q * 4 + t]);
            }
        }
    }

    /** dots[t] = x_t · W_enc^T[row..row+dIn) for 4 tokens: one load of W feeds 4 FMAs. */
    static void rowDots(float[] w, int row, int dIn, int upper, float[] x0, float[] x1, float[] x2, float[] x3, float[] dots) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector wv = FloatVector.fromArray(S, w, row + i);
            a0 = wv.fma(FloatVector.fromArray(S, x0, i), a0);
            a1 = wv.fma(FloatVector.fromArray(S, x1, i), a1);
            a2 = wv.fma(FloatVector.fromArray(S, x2, i), a2);
            a3 = wv.fma(FloatVector.fromArray(S, x3, i), a3);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1);
        float s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; i < dIn; i++) {
            float wi = w[row + i];
            s0 = Math.fma(wi, x0[i], s0);
            s1 = Math.fma(wi, x1[i], s1);
            s2 = Math.fma(wi, x2[i], s2);
            s3 = Math.fma(wi, x3[i], s3);
        }
        dots[0] = s0;
        dots[1] = s1;
        dots[2] = s2;
        dots[3] = s3;
    }

    /** buf[t*BLOCK + l] = x_t · W_enc[:, j + l] for 4 tokens and 2 vectors of latents. */
    private static void kernel(float[] w, int dIn, int dSae, int j, float[] x0, float[] x1, float[] x2, float[] x3, float[] buf) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S);
        int off = j;
        for (int i = 0; i < dIn; i++, off += dSae) {
            FloatVector w0 = FloatVector.fromArray(S, w, off);
            FloatVector w1 = FloatVector.fromArray(S, w, off + L);
            FloatVector b0 = FloatVector.broadcast(S, x0[i]);
            FloatVector b1 = FloatVector.broadcast(S, x1[i]);
            FloatVector b2 = FloatVector.broadcast(S, x2[i]);
            FloatVector b3 = FloatVector.broadcast(S, x3[i]);
            a00 = w0.fma(b0, a00);
            a01 = w1.fma(b0, a01);
            a10 = w0.fma(b1, a10);
            a11 = w1.fma(b1, a11);
            a20 = w0.fma(b2, a20);
            a21 = w1.fma(b2, a21);
            a30 = w0.fma(b3, a30);
            a31 = w1.fma(b3, a31);
        }
        a00.intoArray(buf, 0);
        a01.intoArray(buf, L);
        a10.intoArray(buf, BLOCK);
        a11.intoArray(buf, BLOCK + L);
        a20.intoArray(buf, 2 * BLOCK);
        a21.intoArray(buf, 2 * BLOCK + L);
        a30.intoArray(buf, 3 * BLOCK);
        a31.intoArray(buf, 3 * BLOCK + L);
    }
}
