package org.saifengine.sae;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Fused CPU encode: one pass over W_enc [d_in, d_sae] that computes each token's pre-activations a latent block at
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
        SparseCode[] out = new SparseCode[T];
        for (int t = 0; t < T; t++) {
            LatentHeap all = heaps[0][t];
            for (int task = 1; task < tasks; task++) all.addAll(heaps[task][t]);
            out[t] = all.toCode(norms[t]);
        }
        return out;
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

    /** Latents [j0, j1) for every token. */
    private static void encodeRange(Sae sae, float[][] xs, int j0, int j1, LatentHeap[] heaps) {
        int T = xs.length, dIn = sae.dIn(), dSae = sae.dSae();
        float[] wEnc = sae.weights().wEnc();
        float[] zero = new float[dIn];
        float[] buf = new float[TOK * BLOCK];
        float[] cut = sae.cutoffs(), floorBias = sae.floorBias();
        float[] absBias = null;
        if (floorBias != null) {
            absBias = new float[floorBias.length];
            for (int q = 0; q < absBias.length; q++) absBias[q] = Math.abs(floorBias[q]);
        }
        int j = j0;
        for (; j + BLOCK <= j1; j += BLOCK) {
            for (int t0 = 0; t0 < T; t0 += TOK) {
                float[] x0 = xs[t0];
                float[] x1 = t0 + 1 < T ? xs[t0 + 1] : zero;
                float[] x2 = t0 + 2 < T ? xs[t0 + 2] : zero;
                float[] x3 = t0 + 3 < T ? xs[t0 + 3] : zero;
                kernel(wEnc, dIn, dSae, j, x0, x1, x2, x3, buf);
                int nt = Math.min(TOK, T - t0);
                for (int t = 0; t < nt; t++) {
                    LatentHeap h = heaps[t0 + t];
                    int base = t * BLOCK;
                    if (cut != null && cannotEnter(buf, base, cut, floorBias, absBias, j, h.floor())) continue;
                    for (int l = 0; l < BLOCK; l++) h.offer(j + l, sae.activate(j + l, buf[base + l]));
                }
            }
        }
        // Latents left over after the last full block: scalar dot products along the W_enc column.
        for (; j < j1; j++) {
            for (int t = 0; t < T; t++) {
                float[] x = xs[t];
                float s = 0f;
                for (int i = 0; i < dIn; i++) s = Math.fma(x[i], wEnc[i * dSae + j], s);
                heaps[t].offer(j, sae.activate(j, s));
            }
        }
    }

    /**
     * True when no latent of the block can be active or beat the heap's floor: every dot <= its cutoff and, once the
     * heap is full, <= floor - bias (with the same rounding margin as the cutoffs).
     */
    private static boolean cannotEnter(float[] buf, int base, float[] cut, float[] bias, float[] absBias, int j, float floor) {
        FloatVector c0 = FloatVector.fromArray(S, cut, j), c1 = FloatVector.fromArray(S, cut, j + L);
        if (bias != null && floor > 0f) {
            FloatVector f = FloatVector.broadcast(S, floor);
            FloatVector m = FloatVector.broadcast(S, 1e-5f);
            FloatVector b0 = FloatVector.fromArray(S, bias, j), b1 = FloatVector.fromArray(S, bias, j + L);
            FloatVector a0 = FloatVector.fromArray(S, absBias, j), a1 = FloatVector.fromArray(S, absBias, j + L);
            c0 = c0.max(f.sub(b0).sub(m.mul(f.add(a0))));
            c1 = c1.max(f.sub(b1).sub(m.mul(f.add(a1))));
        }
        FloatVector d0 = FloatVector.fromArray(S, buf, base), d1 = FloatVector.fromArray(S, buf, base + L);
        return !d0.compare(VectorOperators.GT, c0).anyTrue() && !d1.compare(VectorOperators.GT, c1).anyTrue();
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
