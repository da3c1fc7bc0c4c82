package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.saifengine.backend.cuda.GpuAsserts.F32_TOL;
import static org.saifengine.backend.cuda.GpuAsserts.assertClose;
import static org.saifengine.backend.cuda.GpuAsserts.random;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Floats;

/**
 * The kernels outside the Backend interface (fused SAE encode + top-k, sparse decode, steer-add, device sampling,
 * paged bf16 KV attention) against scalar Java references written here, on seeded random inputs with NaN-poisoned
 * outputs.
 */
@Tag("gpu")
class CudaKernelsGpuTest {
    static CudaDevice dev;
    static CudaKernels k;
    final long seed = System.nanoTime();
    final Random rnd = new Random(seed);

    @BeforeAll
    static void open() {
        GpuAsserts.assumeDevice();
        dev = CudaDevice.open();
        k = new CudaKernels(dev);
    }

    @AfterAll
    static void close() {
        if (dev != null) dev.close();
    }

    DeviceBuffer nanBuf(int n) {
        DeviceBuffer b = dev.alloc(4L * Math.max(1, n));
        dev.fill32(b, 0x7fc00000);
        return b;
    }

    DeviceBuffer upload(float[] v, DType t) {
        if (t == DType.F32) return dev.upload(v);
        short[] bits = new short[v.length];
        for (int i = 0; i < v.length; i++) bits[i] = Floats.floatToBf16(v[i]);
        DeviceBuffer b = dev.alloc(Math.max(4, 2L * v.length));
        dev.upload(b, MemorySegment.ofArray(bits));
        return b;
    }

    static float[] rounded(float[] v, DType t) {
        if (t == DType.F32) return v;
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = Floats.roundBf16(v[i]);
        return r;
    }

    record Latent(float key, int index) {}

    @Test
    void saeEncodeTopKMatchesAScalarReference() {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            for (int mode : new int[] {CudaKernels.SAE_RELU, CudaKernels.SAE_JUMPRELU, CudaKernels.SAE_TOPK}) {
                for (int kk : new int[] {7, 200}) {
                    int n = 37, dIn = 72, dSae = 300;
                    float[] x = random(rnd, n * dIn, 1f);
                    float[] wEnc = rounded(random(rnd, dIn * dSae, 0.2f), t), bEnc = rounded(random(rnd, dSae, 0.5f), t);
                    float[] thr = rounded(random(rnd, dSae, 0.3f), t), bDec = rounded(random(rnd, dIn, 0.1f), t);
                    for (int i = 0; i < dSae; i++) thr[i] = Math.abs(thr[i]);
                    var w = new CudaKernels.SaeWeights(upload(wEnc, t), upload(bEnc, t), upload(thr, t), upload(bDec, t),
                            null, t, dIn, dSae);
                    DeviceBuffer ws = dev.alloc(CudaKernels.saeWorkspaceBytes(n, dIn, dSae, kk));
                    DeviceBuffer vals = nanBuf(n * kk), idx = nanBuf(n * kk), nnz = nanBuf(n);
                    k.saeEncodeTopK(dev.upload(x), w, mode, ws, nnz, vals, idx, n, kk);
                    float[] gv = dev.downloadFloats(vals, n * kk);
                    int[] gi = dev.downloadInts(idx, n * kk), gn = dev.downloadInts(nnz, n);
                    for (int tok = 0; tok < n; tok++) {
                        List<Latent> all = new ArrayList<>();
                        int active = 0;
                        for (int j = 0; j < dSae; j++) {
                            double pre = bEnc[j];
                            for (int c = 0; c < dIn; c++) pre += (x[tok * dIn + c] - bDec[c]) * (double) wEnc[c * dSae + j];
                            double act = mode == CudaKernels.SAE_JUMPRELU ? (pre > thr[j] ? pre : 0) : Math.max(pre, 0);
                            if (act > 0) active++;
                            all.add(new Latent((float) (mode == CudaKernels.SAE_TOPK ? pre : act), j));
                        }
                        all.sort(Comparator.comparing((Latent l) -> -l.key()).thenComparingInt(Latent::index));
                        int[] wantIdx = new int[kk];
                        float[] wantVal = new float[kk], gotVal = new float[kk];
                        for (int r = 0; r < kk; r++) {
                            wantIdx[r] = all.get(r).index();
                            float key = all.get(r).key();
                            wantVal[r] = mode == CudaKernels.SAE_TOPK ? Math.max(key, 0f) : key;
                            gotVal[r] = gv[tok * kk + r];
                        }
                        String what = "SAE " + t + " mode " + mode + " k " + kk + " token " + tok + " (seed " + seed + ")";
                        assertArrayEquals(wantIdx, java.util.Arrays.copyOfRange(gi, tok * kk, tok * kk + kk), what + " indices");
                        assertClose(wantVal, gotVal, F32_TOL * 10, what + " values");
                        assertEquals(active, gn[tok], what + " active count");
                    }
                }
            }
        }
    }

    @Test
    void saeDecodeGathersRows() {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            int n = 5, kk = 9, dIn = 300, dSae = 1000;
            float[] wDec = rounded(random(rnd, dSae * dIn, 0.1f), t), bDec = rounded(random(rnd, dIn, 1f), t);
            float[] val = random(rnd, n * kk, 3f);
            int[] idx = new int[n * kk];
            for (int i = 0; i < idx.length; i++) idx[i] = i % 7 == 3 ? -1 : rnd.nextInt(dSae);
            DeviceBuffer out = nanBuf(n * dIn);
            k.saeDecode(dev.upload(val), dev.upload(idx), upload(wDec, t), upload(bDec, t), t, out, n, kk, dIn);
            float[] want = new float[n * dIn];
            for (int tok = 0; tok < n; tok++) {
                for (int d = 0; d < dIn; d++) {
                    double s = bDec[d];
                    for (int j = 0; j < kk; j++) {
                        int id = idx[tok * kk + j];
                        if (id >= 0) s += val[tok * kk + j] * (double) wDec[id * dIn + d];
                    }
                    want[tok * dIn + d] = (float) s;
                }
            }
            assertClose(want, dev.downloadFloats(out, n * dIn), F32_TOL, "sae decode " + t);
        }
    }

    @Test
    void steerAddFollowsModesAndStrengths() {
        int dim = 100, nSeqs = 5;
        int[] mode = {CudaKernels.STEER_OFF, CudaKernels.STEER_ALL, CudaKernels.STEER_PROMPT, CudaKernels.STEER_GENERATED,
                CudaKernels.STEER_FROM};
        int[] promptLen = {3, 3, 3, 3, 3}, fromPos = {0, 0, 0, 0, 5};
        float[] strength = {9f, 2f, -1.5f, 0.25f, 4f};
        int[] tokenSeq = new int[nSeqs * 8 + 2], tokenPos = new int[tokenSeq.length];
        for (int i = 0; i < tokenSeq.length; i++) {
            tokenSeq[i] = i < nSeqs * 8 ? i / 8 : -1;
            tokenPos[i] = i % 8;
        }
        int n = tokenSeq.length;
        float[] resid = random(rnd, n * dim, 1f), delta = random(rnd, n * dim, 1f), vec = random(rnd, nSeqs * dim, 1f);
        DeviceBuffer r = dev.upload(resid);
        k.steerAdd(r, dev.upload(delta), dev.upload(vec), dev.upload(tokenSeq), dev.upload(tokenPos), dev.upload(mode),
                dev.upload(promptLen), dev.upload(fromPos), dev.upload(strength), nSeqs, n, dim);
        float[] want = new float[n * dim];
        for (int t = 0; t < n; t++) {
            int s = tokenSeq[t], p = tokenPos[t];
            boolean on = s >= 0 && switch (mode[s]) {
                case CudaKernels.STEER_ALL -> true;
                case CudaKernels.STEER_PROMPT -> p < promptLen[s];
                case CudaKernels.STEER_GENERATED -> p >= promptLen[s];
                case CudaKernels.STEER_FROM -> p >= fromPos[s];
                default -> false;
            };
            for (int d = 0; d < dim; d++) {
                float v = resid[t * dim + d] + delta[t * dim + d];
                if (on) v += strength[s] * vec[s * dim + d];
                want[t * dim + d] = v;
            }
        }
        assertClose(want, dev.downloadFloats(r, n * dim), F32_TOL, "steer add");
    }

    @Test
    void argmaxAndTopPSampleLikeTheReference() {
        int rows = 4, vocab = 50000;
        float[] logits = random(rnd, rows * vocab, 3f);
        logits[vocab + 777] = 100f;
        logits[vocab + 778] = 100f;  // tie: lowest index wins
        DeviceBuffer lg = dev.upload(logits), ids = nanBuf(rows);
        k.argmax(lg, vocab, vocab, ids, rows);
        int[] got = dev.downloadInts(ids, rows);
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int i = 1; i < vocab; i++) if (logits[r * vocab + i] > logits[r * vocab + best]) best = i;
            assertEquals(best, got[r], "argmax row " + r);
        }
        float[] temp = {1f, 0.7f, 1.3f, 1f}, topP = {0.9f, 0.5f, 1f, 0.01f}, u = new float[rows];
        for (int r = 0; r < rows; r++) u[r] = rnd.nextFloat();
        DeviceBuffer probs = dev.alloc(4L * rows * vocab);
        k.topP(lg, vocab, vocab, dev.upload(temp), dev.upload(topP), dev.upload(u), probs, ids, rows);
        got = dev.downloadInts(ids, rows);
        for (int r = 0; r < rows; r++) {
            assertEquals(topPReference(logits, r * vocab, vocab, temp[r], topP[r], u[r]), got[r],
                    "top-p row " + r + " (seed " + seed + ")");
        }
    }

    /** Nucleus sampling as top_p.cu defines it (kept set by mass threshold, inverse CDF in vocabulary order). */
    static int topPReference(float[] logits, int off, int vocab, float temp, float topP, float u) {
        double[] p = new double[vocab];
        double max = Double.NEGATIVE_INFINITY, z = 0;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i] / temp);
        for (int i = 0; i < vocab; i++) z += p[i] = Math.exp(logits[off + i] / temp - max);
        double tau = 0;
        if (topP < 1) {
            double[] sorted = p.clone();
            java.util.Arrays.sort(sorted);
            double mass = 0;
            for (int i = vocab - 1; i >= 0; i--) {
                mass += sorted[i];
                if (mass >= topP * z) { tau = sorted[i]; break; }
            }
        }
        double kept = 0;
        for (int i = 0; i < vocab; i++) if (p[i] >= tau) kept += p[i];
        double target = u * kept, run = 0;
        int last = 0;
        for (int i = 0; i < vocab; i++) {
            if (p[i] < tau) continue;
            run += p[i];
            last = i;
            if (run > target) return i;
        }
        return last;
    }

    @Test
    void pagedBf16CacheAttentionPrefillAgreesWithDecode() {
        int hd = 128, heads = 4, kvHeads = 1, pageSize = 16, len = 70, kvDim = kvHeads * hd;
        KvPagePool pool = new KvPagePool(pageSize, 12);
        pool.append(1, 20);  // another sequence interleaves its pages
        int[] slots = pool.append(0, len);
        float[] kf = random(rnd, len * kvDim, 1f), vf = random(rnd, len * kvDim, 1f);
        DeviceBuffer kPool = dev.alloc(2L * 12 * pageSize * kvDim), vPool = dev.alloc(2L * 12 * pageSize * kvDim);
        k.kvStore(dev.upload(kf), dev.upload(vf), kvDim, kPool, vPool, DType.BF16, dev.upload(slots), len, kvDim);
        int maxPages = 6;
        DeviceBuffer table = dev.upload(pool.pageTable(0, maxPages));
        var shape = new CudaKernels.AttentionShape(heads, kvHeads, hd, 0.088f, 0f, 0);
        float[] q = random(rnd, len * heads * hd, 1f);
        DeviceBuffer out = nanBuf(len * heads * hd);
        k.attentionPrefill(dev.upload(q), (long) heads * hd, kPool, vPool, DType.BF16, table, pageSize, out, len, 0, len, shape);
        float[] prefill = dev.downloadFloats(out, len * heads * hd);
        // reference with the bf16-rounded cache
        float[] kr = rounded(kf, DType.BF16), vr = rounded(vf, DType.BF16);
        float[] want = new float[len * heads * hd];
        for (int t = 0; t < len; t++) {
            for (int h = 0; h < heads; h++) {
                double[] s = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY, z = 0;
                for (int j = 0; j <= t; j++) {
                    double dot = 0;
                    for (int d = 0; d < hd; d++) dot += q[(t * heads + h) * hd + d] * (double) kr[j * kvDim + d];
                    s[j] = dot * 0.088f;
                    max = Math.max(max, s[j]);
                }
                for (int j = 0; j <= t; j++) z += s[j] = Math.exp(s[j] - max);
                for (int d = 0; d < hd; d++) {
                    double o = 0;
                    for (int j = 0; j <= t; j++) o += s[j] / z * vr[j * kvDim + d];
                    want[(t * heads + h) * hd + d] = (float) o;
                }
            }
        }
        assertClose(want, prefill, F32_TOL * 10, "paged bf16 prefill");
        // decode of the last position through split-K must agree with the prefill's last row
        var plan = k.decodePlan(1, len, shape);
        DeviceBuffer partial = dev.alloc(4 * plan.partialFloats()), dout = nanBuf(heads * hd);
        float[] lastQ = java.util.Arrays.copyOfRange(q, (len - 1) * heads * hd, len * heads * hd);
        k.attentionDecode(dev.upload(lastQ), (long) heads * hd, kPool, vPool, DType.BF16, table, maxPages,
                dev.upload(new int[] {len}), pageSize, partial, dout, 1, len, shape);
        assertClose(java.util.Arrays.copyOfRange(want, (len - 1) * heads * hd, len * heads * hd),
                dev.downloadFloats(dout, heads * hd), F32_TOL * 10, "paged bf16 decode");
    }

    @Test
    void capturedGraphReplaysItsLaunches() {
        int n = 1000;
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        DeviceBuffer x = dev.upload(ones), y = dev.upload(ones);
        k.add(x, y, n);  // loads the module outside the capture; x = 2
        dev.beginCapture();
        k.add(x, y, n);
        k.add(x, y, n);
        try (CudaGraph graph = dev.endCapture()) {
            float[] before = dev.downloadFloats(x, n);
            assertEquals(2f, before[n - 1], "capture records, it does not run");
            for (int i = 0; i < 3; i++) graph.launch();
            dev.synchronize();
        }
        float[] after = dev.downloadFloats(x, n);
        for (float v : after) assertEquals(8f, v);
    }
}
