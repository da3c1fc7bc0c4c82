package org.saifengine.backend.cpu;

import org.junit.jupiter.api.Test;
import org.saifengine.backend.Activation;
import org.saifengine.backend.AttentionParams;
import org.saifengine.backend.Buf;
import org.saifengine.backend.Weight;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Floats;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Vector API path against the scalar reference path and against naive double-precision loops. */
class CpuBackendTest {
    final CpuBackend vector = new CpuBackend(true, 2), scalar = CpuBackend.scalar();
    final Random random = new Random(5);

    float[] randn(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }

    Buf buf(CpuBackend b, float[] a) {
        Buf x = b.allocate(a.length);
        b.upload(a, 0, x, 0, a.length);
        return x;
    }

    float[] get(CpuBackend b, Buf x) {
        float[] a = new float[(int) x.size()];
        b.download(x, 0, a, 0, a.length);
        return a;
    }

    @Test
    void matmulF32AndBf16MatchScalarAndDoubleReference() {
        try (Arena arena = Arena.ofShared()) {
            for (DType dt : new DType[]{DType.F32, DType.BF16, DType.F16}) {
                for (int[] shape : new int[][]{{1, 13, 67}, {5, 300, 96}, {9, 33, 1000}}) {
                    int rows = shape[0], out = shape[1], in = shape[2];
                    float[] wv = randn(out * in), xv = randn(rows * in), bv = randn(out);
                    Tensor w = Tensor.ofFloats(arena, wv, out, in).to(dt, arena);
                    Tensor bias = Tensor.ofFloats(arena, bv, out);
                    float[][] results = new float[2][];
                    CpuBackend[] backends = {vector, scalar};
                    for (int k = 0; k < 2; k++) {
                        CpuBackend be = backends[k];
                        Weight ww = be.weight("w", w), bb = be.weight("b", bias);
                        Buf o = be.allocate((long) rows * out);
                        be.matmul(buf(be, xv), rows, ww, bb, o);
                        results[k] = get(be, o);
                    }
                    for (int r = 0; r < rows; r++) {
                        for (int o = 0; o < out; o++) {
                            double ref = bv[o];
                            for (int i = 0; i < in; i++) ref += (double) xv[r * in + i] * w.getFloat((long) o * in + i);
                            double tol = 1e-5 * Math.sqrt(in) * 4;
                            assertEquals(ref, results[1][r * out + o], tol, dt + " scalar " + r + "," + o);
                            assertEquals(ref, results[0][r * out + o], tol, dt + " vector " + r + "," + o);
                        }
                    }
                }
            }
        }
    }

    @Test
    void attentionWithGqaWindowAndSoftcapMatchesNaive() {
        int heads = 4, kvHeads = 2, hd = 24, len = 19;
        for (int window : new int[]{0, 5}) {
            for (float cap : new float[]{0f, 2f}) {
                AttentionParams p = new AttentionParams(heads, kvHeads, hd, 0.3f, window, cap);
                float[] keys = randn(len * p.kvDim()), values = randn(len * p.kvDim());
                int[] positions = {0, 7, 18};
                float[] q = randn(positions.length * p.qDim());
                for (CpuBackend be : new CpuBackend[]{vector, scalar}) {
                    Buf k = buf(be, keys), v = buf(be, values), out = be.allocate(positions.length * p.qDim());
                    be.attention(buf(be, q), positions.length, positions, new Buf[]{k, k, k}, new Buf[]{v, v, v}, p, out);
                    float[] got = get(be, out);
                    for (int r = 0; r < positions.length; r++) {
                        for (int h = 0; h < heads; h++) {
                            int kvh = h / (heads / kvHeads), pos = positions[r];
                            int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
                            double[] s = new double[pos + 1];
                            double max = Double.NEGATIVE_INFINITY, sum = 0;
                            for (int j = first; j <= pos; j++) {
                                double dot = 0;
                                for (int i = 0; i < hd; i++) dot += q[r * p.qDim() + h * hd + i] * keys[j * p.kvDim() + kvh * hd + i];
                                dot *= 0.3;
                                if (cap > 0) dot = cap * Math.tanh(dot / cap);
                                s[j] = dot;
                                max = Math.max(max, dot);
                            }
                            for (int j = first; j <= pos; j++) sum += s[j] = Math.exp(s[j] - max);
                            for (int i = 0; i < hd; i++) {
                                double ref = 0;
                                for (int j = first; j <= pos; j++) ref += s[j] / sum * values[j * p.kvDim() + kvh * hd + i];
                                assertEquals(ref, got[r * p.qDim() + h * hd + i], 1e-5, be.name() + " w=" + window + " cap=" + cap);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void ropeHalfAndInterleavedLayouts() {
        int heads = 2, hd = 8;
        float[] x = randn(heads * hd), inv = {1f, 0.1f, 0.01f, 0.001f};
        for (boolean interleaved : new boolean[]{false, true}) {
            Buf b = buf(vector, x);
            vector.rope(b, 1, heads, hd, new int[]{3}, inv, 1f, interleaved);
            float[] got = get(vector, b);
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < hd / 2; i++) {
                    int a = h * hd + (interleaved ? 2 * i : i), c = interleaved ? a + 1 : a + hd / 2;
                    double ang = 3 * inv[i];
                    assertEquals(x[a] * Math.cos(ang) - x[c] * Math.sin(ang), got[a], 1e-5);
                    assertEquals(x[c] * Math.cos(ang) + x[a] * Math.sin(ang), got[c], 1e-5);
                }
            }
        }
    }

    @Test
    void normsActivationsSoftcapAndEmbedding() {
        try (Arena arena = Arena.ofShared()) {
            int d = 10;
            float[] x = randn(2 * d), w = randn(d);
            Weight wt = vector.weight("norm", Tensor.ofFloats(arena, w, d));
            for (boolean plusOne : new boolean[]{false, true}) {
                Buf out = vector.allocate(2 * d);
                vector.rmsNorm(buf(vector, x), wt, 1e-6f, plusOne, 2, d, out);
                float[] got = get(vector, out);
                for (int r = 0; r < 2; r++) {
                    double ss = 0;
                    for (int i = 0; i < d; i++) ss += x[r * d + i] * x[r * d + i];
                    for (int i = 0; i < d; i++) {
                        double ref = x[r * d + i] / Math.sqrt(ss / d + 1e-6) * (plusOne ? 1 + w[i] : w[i]);
                        assertEquals(ref, got[r * d + i], 1e-5);
                    }
                }
            }
            float[] g = {-3f, -0.5f, 0f, 0.7f, 4f}, u = {1f, 2f, 3f, 4f, 5f};
            Buf gb = buf(vector, g);
            vector.gatedActivation(Activation.GELU_TANH, gb, buf(vector, u), 5);
            float[] gelu = get(vector, gb);
            Buf sb = buf(vector, g);
            vector.gatedActivation(Activation.SILU, sb, buf(vector, u), 5);
            float[] silu = get(vector, sb);
            for (int i = 0; i < 5; i++) {
                double t = Math.tanh(Math.sqrt(2 / Math.PI) * (g[i] + 0.044715 * Math.pow(g[i], 3)));
                assertEquals(0.5 * g[i] * (1 + t) * u[i], gelu[i], 1e-6);
                assertEquals(g[i] / (1 + Math.exp(-g[i])) * u[i], silu[i], 1e-6);
            }
            Buf cb = buf(vector, g);
            vector.softcap(cb, 5, 2f);
            float[] capped = get(vector, cb);
            for (int i = 0; i < 5; i++) assertEquals(2 * Math.tanh(g[i] / 2), capped[i], 1e-6);

            float[] table = randn(4 * 3);
            Weight tw = vector.weight("emb", Tensor.ofFloats(arena, table, 4, 3).to(DType.BF16, arena));
            Buf e = vector.allocate(6);
            vector.embed(tw, new int[]{3, 1}, 2f, e);
            float[] emb = get(vector, e);
            for (int i = 0; i < 3; i++) assertEquals(Floats.roundBf16(table[9 + i]) * 2f, emb[i], 0f);
            assertThrows(IllegalArgumentException.class, () -> vector.embed(tw, new int[]{4}, 1f, e));
        }
    }
}
