package org.saifengine.sae;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.saifengine.backend.cpu.Lanes;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Exact fused encode that reads a quarter of the encoder's bytes: screen every latent with the int8
 * {@link ScreeningCopy}, then recompute only the surviving candidates from the f32 encoder rows.
 *
 * <p>Why the result is identical to {@link FusedEncoder} (same indices, same float values): the screen gives for
 * each latent an interval [lo, hi] that contains the dot product the exact kernel computes (see ScreeningCopy for
 * the bound). Every activation here is a non-decreasing function of the dot product, also in float arithmetic, so
 * activate(lo) <= exact value <= activate(hi). A latent is dropped only when activate(hi) <= 0 (it cannot be
 * active) or activate(hi) is below the capacity-th largest activate(lo) of the token (at least capacity other
 * latents are certainly stronger, so it cannot be selected, ties included). Candidates are recomputed with the
 * exact kernel's arithmetic ({@link VectorOps#dot}, bit-identical to FusedEncoder's kernels) and selected by the
 * same heap.
 *
 * <p>Work: phase 1 streams the int8 copy once per block of tokens (4 latents x 4 tokens per micro-kernel);
 * phase 2 visits candidates latent by latent, so an encoder row read from memory serves every token that needs it.
 */
final class ScreenedEncoder {
    private static final VectorSpecies<Float> S = VectorOps.S;
    private static final int L = S.length();
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final int TOK = 4;
    private static final int TOKEN_BLOCK = 32;
    private static final int BLOCK = 4;       // latents per micro-kernel

    /**
     * Largest batch {@link Sae#encode} screens. One token (a decode step) streams the whole encoder for 2·d_in·d_sae
     * FLOPs, so bytes are the limit and the int8 screen reads a quarter of them. From a few tokens on, the exact
     * kernel reuses each f32 row for 4 tokens and the encode is compute-bound; the screen's widening and bookkeeping
     * then cost more than the bytes it saves (measured on the 2-core machine: 0.9x at 4 tokens, 0.88x at 256).
     */
    static final int MAX_TOKENS = 1;

    private ScreenedEncoder() {}

    static SparseCode[] encode(Sae sae, float[][] xs, NormState[] norms, int capacity) {
        int T = xs.length;
        if (T == 0) return new SparseCode[0];
        float[] xnorm = new float[T];
        for (int t = 0; t < T; t++) {
            double ss = 0;
            for (float v : xs[t]) ss += (double) v * v;
            xnorm[t] = Math.nextUp((float) Math.sqrt(ss));
            // Non-finite inputs make the error bound meaningless; the exact encoder handles them as it always has.
            if (!Float.isFinite(xnorm[t])) return FusedEncoder.encode(sae, xs, norms, capacity);
        }
        ScreeningCopy sc = sae.screeningCopy();
        int dSae = sae.dSae();
        int blocks = (dSae + BLOCK - 1) / BLOCK;
        int threads = Math.max(1, ForkJoinPool.getCommonPoolParallelism());
        int tasks = Math.max(1, Math.min(blocks, threads * 2));
        boolean bounded = capacity != Integer.MAX_VALUE;
        Candidates[][] cands = new Candidates[tasks][T];
        LatentHeap[][] lows = bounded ? new LatentHeap[tasks][T] : null;

        IntStream.range(0, tasks).parallel().forEach(task -> {
            int j0 = (int) ((long) blocks * task / tasks) * BLOCK;
            int j1 = Math.min(dSae, (int) ((long) blocks * (task + 1) / tasks) * BLOCK);
            for (int t = 0; t < T; t++) {
                cands[task][t] = new Candidates();
                if (bounded) lows[task][t] = new LatentHeap(capacity);
            }
            screenRange(sae, sc, xs, xnorm, j0, j1, cands[task], bounded ? lows[task] : null);
        });

        // The capacity-th largest lower bound per token, over all latents.
        float[] floor = new float[T];
        if (bounded) {
            for (int t = 0; t < T; t++) {
                LatentHeap all = lows[0][t];
                for (int task = 1; task < tasks; task++) all.addAll(lows[task][t]);
                floor[t] = all.floor();
            }
        }

        LatentHeap[][] heaps = new LatentHeap[tasks][T];
        IntStream.range(0, tasks).parallel().forEach(task -> {
            for (int t = 0; t < T; t++) heaps[task][t] = new LatentHeap(capacity);
            recompute(sae, xs, cands[task], floor, heaps[task]);
        });
        return LatentHeap.merge(heaps, norms);
    }

    /** How many candidates the screen keeps per token (for benchmarks and docs), without recomputing them. */
    static int[] candidateCounts(Sae sae, float[][] xs, int capacity) {
        int T = xs.length;
        float[] xnorm = new float[T];
        for (int t = 0; t < T; t++) {
            double ss = 0;
            for (float v : xs[t]) ss += (double) v * v;
            xnorm[t] = Math.nextUp((float) Math.sqrt(ss));
        }
        Candidates[] c = new Candidates[T];
        LatentHeap[] low = new LatentHeap[T];
        for (int t = 0; t < T; t++) {
            c[t] = new Candidates();
            low[t] = new LatentHeap(capacity);
        }
        boolean bounded = capacity != Integer.MAX_VALUE;
        screenRange(sae, sae.screeningCopy(), xs, xnorm, 0, sae.dSae(), c, bounded ? low : null);
        int[] n = new int[T];
        for (int t = 0; t < T; t++) {
            float f = bounded ? low[t].floor() : 0f;
            for (int m = 0; m < c[t].size; m++) if (c[t].upper[m] >= f) n[t]++;
        }
        return n;
    }

    /** Phase 1 over latents [j0, j1): approximate dots, bounds, candidates. */
    private static void screenRange(Sae sae, ScreeningCopy sc, float[][] xs, float[] xnorm, int j0, int j1,
                                    Candidates[] cands, LatentHeap[] lows) {
        int T = xs.length, dIn = sae.dIn();
        int upper = S.loopBound(dIn);
        float[] zero = new float[dIn];
        float[] d16 = new float[BLOCK * TOK];
        float[] cut = sae.cutoffs(), floorBias = sae.floorBias();
        float[] panel = new float[BLOCK * dIn];
        for (int tb = 0; tb < T; tb += TOKEN_BLOCK) {
            int te = Math.min(T, tb + TOKEN_BLOCK);
            // Many token groups per latent block: widen the 4 int8 rows once into an f32 panel (L1-resident) and run
            // the f32 kernel on it, instead of widening again for every group of 4 tokens.
            boolean usePanel = te - tb > TOK;
            for (int j = j0; j < j1; j += BLOCK) {
                int nj = Math.min(BLOCK, j1 - j);
                if (usePanel && nj == BLOCK) widenRows(sc.q, j * dIn, BLOCK * dIn, panel);
                for (int t0 = tb; t0 < te; t0 += TOK) {
                    int nt = Math.min(TOK, te - t0);
                    if (nj == BLOCK && nt == 1) {
                        single4(sc, j, dIn, upper, xs[t0], d16);
                    } else if (nj == BLOCK && usePanel) {
                        FusedEncoder.block4x4(panel, 0, dIn, upper, xs[t0], t0 + 1 < te ? xs[t0 + 1] : zero,
                                t0 + 2 < te ? xs[t0 + 2] : zero, t0 + 3 < te ? xs[t0 + 3] : zero, d16);
                        for (int k = 0; k < BLOCK; k++) {
                            float sk = sc.scale[j + k];
                            for (int t = 0; t < TOK; t++) d16[k * 4 + t] *= sk;
                        }
                    } else if (nj == BLOCK) {
                        block4x4(sc, j, dIn, upper, xs[t0], t0 + 1 < te ? xs[t0 + 1] : zero,
                                t0 + 2 < te ? xs[t0 + 2] : zero, t0 + 3 < te ? xs[t0 + 3] : zero, d16);
                    } else {
                        for (int q = 0; q < nj; q++) {
                            for (int t = 0; t < nt; t++) d16[q * 4 + t] = scalarDot(sc, j + q, xs[t0 + t]);
                        }
                    }
                    for (int q = 0; q < nj; q++) {
                        int jj = j + q;
                        float c = sc.errCoef[jj];
                        for (int t = 0; t < nt; t++) {
                            float p = d16[q * 4 + t];
                            float e = Math.nextUp(xnorm[t0 + t] * c);
                            // Cheap conservative rejections first (the slack dwarfs the rounding of these sums):
                            // the latent's cutoff, then the token's current floor of lower bounds.
                            float hi = p + e, slack = 1e-6f * (Math.abs(p) + e) + Float.MIN_NORMAL;
                            if (cut != null && hi + slack <= cut[jj]) continue;
                            if (floorBias != null && lows != null) {
                                float fb = floorBias[jj];
                                if (hi + fb + (slack + 1e-6f * Math.abs(fb)) < lows[t0 + t].floor()) continue;
                            }
                            float hiAct = sae.activate(jj, Math.nextUp(p + e));
                            if (!(hiAct > 0f)) continue;
                            if (lows != null) {
                                LatentHeap low = lows[t0 + t];
                                low.offer(jj, sae.activate(jj, Math.nextDown(p - e)));
                                if (hiAct < low.floor()) continue;
                            }
                            cands[t0 + t].add(jj, hiAct);
                        }
                    }
                }
            }
        }
    }

    /** Phase 2: exact dots of the candidates that survive the final floor, latent by latent. */
    private static void recompute(Sae sae, float[][] xs, Candidates[] cands, float[] floor, LatentHeap[] heaps) {
        int T = xs.length, dIn = sae.dIn();
        float[] rows = sae.weights().encoderRows();
        int total = 0;
        for (Candidates c : cands) total += c.size;
        if (total == 0) return;
        // (latent, token) pairs sorted by latent, so each f32 row is read once for all tokens that need it.
        long[] pairs = new long[total];
        int n = 0;
        for (int t = 0; t < T; t++) {
            Candidates c = cands[t];
            for (int m = 0; m < c.size; m++) {
                if (c.upper[m] >= floor[t]) pairs[n++] = ((long) c.index[m] << 32) | t;
            }
        }
        Arrays.sort(pairs, 0, n);
        int upper = S.loopBound(dIn);
        float[] zero = new float[dIn];
        float[] d4 = new float[TOK];
        if (T == 1) {
            // One token: 4 candidate rows per pass, so 4 rows stream from memory at once (a lone row's dot is
            // bound by memory latency); each row keeps its own chain, so the arithmetic is VectorOps.dot's.
            float[] x = xs[0];
            LatentHeap h = heaps[0];
            int m = 0;
            for (; m + 4 <= n; m += 4) {
                int ja = (int) (pairs[m] >>> 32), jb = (int) (pairs[m + 1] >>> 32);
                int jc = (int) (pairs[m + 2] >>> 32), jd = (int) (pairs[m + 3] >>> 32);
                FusedEncoder.dots4(rows, ja * dIn, jb * dIn, jc * dIn, jd * dIn, dIn, upper, x, d4);
                h.offer(ja, sae.activate(ja, d4[0]));
                h.offer(jb, sae.activate(jb, d4[1]));
                h.offer(jc, sae.activate(jc, d4[2]));
                h.offer(jd, sae.activate(jd, d4[3]));
            }
            for (; m < n; m++) {
                int j = (int) (pairs[m] >>> 32);
                h.offer(j, sae.activate(j, VectorOps.dot(rows, j * dIn, x, 0, dIn)));
            }
            return;
        }
        for (int m = 0; m < n; ) {
            int j = (int) (pairs[m] >>> 32);
            int end = m;
            while (end < n && (int) (pairs[end] >>> 32) == j) end++;
            // Up to 4 tokens per pass over row j (4 independent FMA chains); same arithmetic as VectorOps.dot.
            for (int g = m; g < end; g += TOK) {
                int nt = Math.min(TOK, end - g);
                float[] x0 = xs[(int) pairs[g]];
                float[] x1 = nt > 1 ? xs[(int) pairs[g + 1]] : zero;
                float[] x2 = nt > 2 ? xs[(int) pairs[g + 2]] : zero;
                float[] x3 = nt > 3 ? xs[(int) pairs[g + 3]] : zero;
                if (nt == 1) d4[0] = VectorOps.dot(rows, j * dIn, x0, 0, dIn);
                else FusedEncoder.rowDots(rows, j * dIn, dIn, upper, x0, x1, x2, x3, d4);
                for (int k = 0; k < nt; k++) heaps[(int) pairs[g + k]].offer(j, sae.activate(j, d4[k]));
            }
            m = end;
        }
    }

    /** out[0..n) = q[off..off+n) as floats (exact: int8 values). */
    private static void widenRows(byte[] q, int off, int n, float[] out) {
        int i = 0, upper = S.loopBound(n);
        for (; i < upper; i += L) widen(q, off + i).intoArray(out, i);
        for (; i < n; i++) out[i] = q[off + i];
    }

    private static FloatVector widen(byte[] q, int off) {
        return (FloatVector) ByteVector.fromArray(B, q, off).convertShape(VectorOperators.B2F, S, 0);
    }

    /** out[q*4] = s_j · (x · q_j) for the 4 latents j..j+3 and one token. */
    private static void single4(ScreeningCopy sc, int j, int dIn, int upper, float[] x, float[] out) {
        byte[] q = sc.q;
        int r0 = j * dIn, r1 = r0 + dIn, r2 = r1 + dIn, r3 = r2 + dIn;
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, i);
            a0 = widen(q, r0 + i).fma(xv, a0);
            a1 = widen(q, r1 + i).fma(xv, a1);
            a2 = widen(q, r2 + i).fma(xv, a2);
            a3 = widen(q, r3 + i).fma(xv, a3);
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1), s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; i < dIn; i++) {
            s0 = Math.fma(q[r0 + i], x[i], s0);
            s1 = Math.fma(q[r1 + i], x[i], s1);
            s2 = Math.fma(q[r2 + i], x[i], s2);
            s3 = Math.fma(q[r3 + i], x[i], s3);
        }
        out[0] = s0 * sc.scale[j];
        out[4] = s1 * sc.scale[j + 1];
        out[8] = s2 * sc.scale[j + 2];
        out[12] = s3 * sc.scale[j + 3];
    }

    /** out[q*4 + t] = s_j · (x_t · q_j) for 4 latents and 4 tokens: each widened int8 load feeds 4 FMAs. */
    private static void block4x4(ScreeningCopy sc, int j, int dIn, int upper,
                                 float[] x0, float[] x1, float[] x2, float[] x3, float[] out) {
        byte[] q = sc.q;
        int r0 = j * dIn, r1 = r0 + dIn, r2 = r1 + dIn, r3 = r2 + dIn;
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S), a03 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S), a13 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S), a23 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S), a33 = FloatVector.zero(S);
        int i = 0;
        for (; i < upper; i += L) {
            FloatVector v0 = FloatVector.fromArray(S, x0, i), v1 = FloatVector.fromArray(S, x1, i);
            FloatVector v2 = FloatVector.fromArray(S, x2, i), v3 = FloatVector.fromArray(S, x3, i);
            FloatVector w0 = widen(q, r0 + i);
            a00 = w0.fma(v0, a00); a01 = w0.fma(v1, a01); a02 = w0.fma(v2, a02); a03 = w0.fma(v3, a03);
            FloatVector w1 = widen(q, r1 + i);
            a10 = w1.fma(v0, a10); a11 = w1.fma(v1, a11); a12 = w1.fma(v2, a12); a13 = w1.fma(v3, a13);
            FloatVector w2 = widen(q, r2 + i);
            a20 = w2.fma(v0, a20); a21 = w2.fma(v1, a21); a22 = w2.fma(v2, a22); a23 = w2.fma(v3, a23);
            FloatVector w3 = widen(q, r3 + i);
            a30 = w3.fma(v0, a30); a31 = w3.fma(v1, a31); a32 = w3.fma(v2, a32); a33 = w3.fma(v3, a33);
        }
        out[0] = Lanes.sum(a00); out[1] = Lanes.sum(a01); out[2] = Lanes.sum(a02); out[3] = Lanes.sum(a03);
        out[4] = Lanes.sum(a10); out[5] = Lanes.sum(a11); out[6] = Lanes.sum(a12); out[7] = Lanes.sum(a13);
        out[8] = Lanes.sum(a20); out[9] = Lanes.sum(a21); out[10] = Lanes.sum(a22); out[11] = Lanes.sum(a23);
        out[12] = Lanes.sum(a30); out[13] = Lanes.sum(a31); out[14] = Lanes.sum(a32); out[15] = Lanes.sum(a33);
        float[][] xt = {x0, x1, x2, x3};
        for (; i < dIn; i++) {
            for (int k = 0; k < 4; k++) {
                float qk = q[r0 + k * dIn + i];
                for (int t = 0; t < 4; t++) out[k * 4 + t] = Math.fma(qk, xt[t][i], out[k * 4 + t]);
            }
        }
        for (int k = 0; k < 4; k++) {
            float s = sc.scale[j + k];
            for (int t = 0; t < 4; t++) out[k * 4 + t] *= s;
        }
    }

    private static float scalarDot(ScreeningCopy sc, int j, float[] x) {
        int row = j * sc.dIn;
        float s = 0f;
        for (int i = 0; i < sc.dIn; i++) s = Math.fma(sc.q[row + i], x[i], s);
        return s * sc.scale[j];
    }

    /** A growable list of (latent, upper bound of its activation). */
    private static final class Candidates {
        int[] index = new int[16];
        float[] upper = new float[16];
        int size;

        void add(int j, float up) {
            if (size == index.length) {
                index = Arrays.copyOf(index, size * 2);
                upper = Arrays.copyOf(upper, size * 2);
            }
            index[size] = j;
            upper[size++] = up;
        }
    }
}
