package org.saifengine.backend.cpu;

import org.saifengine.backend.Activation;
import org.saifengine.backend.AttentionParams;
import org.saifengine.backend.Backend;
import org.saifengine.backend.Buf;
import org.saifengine.backend.Weight;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.lang.foreign.Arena;

/**
 * The CPU backend: Vector API dot products over the mapped weights, parallel over output rows (GEMV) and over
 * (token, head) pairs (attention) on the common fork-join pool. {@link #scalar()} gives the plain-loop reference
 * the tests compare the vector path with. Weights in F16 are converted once to F32 into memory this backend owns.
 */
public final class CpuBackend implements Backend {
    private final boolean vector;
    private final int threads;
    private final Arena arena = Arena.ofShared();
    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[256]);
    /** Per thread: weight rows dequantized from blocks, read by the f32 kernels (a few rows, so it stays in L1/L2). */
    private final ThreadLocal<float[]> rowScratch = ThreadLocal.withInitial(() -> new float[0]);

    public CpuBackend(boolean vector, int threads) {
        this.vector = vector && vectorAvailable();
        this.threads = Math.max(1, threads);
    }

    /** Vector API, all cores. */
    public static CpuBackend create() {
        return new CpuBackend(true, Runtime.getRuntime().availableProcessors());
    }

    /** Scalar loops on one thread: the reference implementation. */
    public static CpuBackend scalar() {
        return new CpuBackend(false, 1);
    }

    static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @Override
    public String name() {
        return "cpu(" + (vector ? "vector " + Dot.F.vectorBitSize() + "-bit" : "scalar") + ", " + threads + " threads)";
    }

    private static float[] a(Buf b) {
        return ((CpuBuf) b).a;
    }

    private static CpuWeight w(Weight w) {
        return (CpuWeight) w;
    }

    @Override
    public long firstNonFinite(Buf b, long n) {
        float[] x = a(b);
        // x * 0 is +-0 for finite x and NaN for NaN or infinity: vector multiply-adds over a block, and only a block
        // whose sum is NaN is searched element by element.
        var species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        final int block = 1024;
        for (int start = 0; start < n; start += block) {
            int end = (int) Math.min(n, start + block), i = start;
            var acc = jdk.incubator.vector.FloatVector.zero(species);
            for (int upper = start + species.loopBound(end - start); i < upper; i += species.length()) {
                acc = acc.add(jdk.incubator.vector.FloatVector.fromArray(species, x, i).mul(0f));
            }
            float tail = 0;
            for (; i < end; i++) tail += x[i] * 0f;
            if (Float.isNaN(acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD) + tail)) {
                for (int j = start; j < end; j++) if (!Float.isFinite(x[j])) return j;
            }
        }
        return -1;
    }

    @Override
    public boolean heapBuffers() {
        return true;
    }

    @Override
    public Buf allocate(long n) {
        if (n < 0 || n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("buffer of " + n + " floats is too large for the CPU backend");
        return new CpuBuf((int) n);
    }

    @Override
    public Weight weight(String name, Tensor t) {
        if (t.dtype() == DType.F16) t = t.to(DType.F32, arena);
        return new CpuWeight(name, t);
    }

    @Override
    public void upload(float[] src, int srcOff, Buf dst, long dstOff, int n) {
        System.arraycopy(src, srcOff, a(dst), (int) dstOff, n);
    }

    @Override
    public void download(Buf src, long srcOff, float[] dst, int dstOff, int n) {
        System.arraycopy(a(src), (int) srcOff, dst, dstOff, n);
    }

    @Override
    public void copy(Buf src, long srcOff, Buf dst, long dstOff, int n) {
        System.arraycopy(a(src), (int) srcOff, a(dst), (int) dstOff, n);
    }

    @Override
    public void embed(Weight table, int[] ids, float scale, Buf out) {
        CpuWeight t = w(table);
        float[] o = a(out);
        if (t.dtype.isBlockQuantized()) {
            float[] row = new float[t.cols];
            for (int r = 0; r < ids.length; r++) {
                if (ids[r] < 0 || ids[r] >= t.rows) {
                    throw new IllegalArgumentException("token id " + ids[r] + " is outside the vocabulary [0, " + t.rows + ")");
                }
                Quant.dequantizeRow(t.dtype, t.data, ids[r] * t.rowBytes(), t.cols, row, 0, vector);
                for (int i = 0; i < t.cols; i++) o[r * t.cols + i] = row[i] * scale;
            }
            return;
        }
        boolean bf16 = t.dtype == DType.BF16;
        for (int r = 0; r < ids.length; r++) {
            if (ids[r] < 0 || ids[r] >= t.rows) {
                throw new IllegalArgumentException("token id " + ids[r] + " is outside the vocabulary [0, " + t.rows + ")");
            }
            long base = (long) ids[r] * t.cols * t.dtype.bytes;
            for (int i = 0; i < t.cols; i++) o[r * t.cols + i] = Dot.weightAt(t.data, base, i, bf16) * scale;
        }
    }

    @Override
    public void rmsNorm(Buf x, Weight weight, float eps, boolean onePlusWeight, int rows, int dim, Buf out) {
        float[] xa = a(x), oa = a(out), wv = w(weight).vector;
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += xa[off + i] * xa[off + i];
            float inv = (float) (1.0 / Math.sqrt((float) (ss / dim) + eps));
            for (int i = 0; i < dim; i++) {
                float n = xa[off + i] * inv;
                oa[off + i] = onePlusWeight ? n * (1.0f + wv[i]) : n * wv[i];
            }
        }
    }

    @Override
    public void matmul(Buf x, int rows, Weight weight, Weight bias, Buf out) {
        CpuWeight wt = w(weight);
        float[] xa = a(x), oa = a(out);
        if (xa == oa) throw new IllegalArgumentException("matmul output must not alias its input");
        if (wt.dtype.isBlockQuantized()) {
            matmulBlocks(xa, rows, wt, bias == null ? null : w(bias).vector, oa);
            return;
        }
        final int in = wt.cols, outDim = wt.rows;
        final boolean bf16 = wt.dtype == DType.BF16;
        final long rowBytes = (long) in * wt.dtype.bytes;
        final float[] b = bias == null ? null : w(bias).vector;
        // Output rows are split into chunks of 4-row tiles; prefill (rows >= 4) uses 4 x 2 register tiles.
        int chunk = Math.max(4, Math.min(64, outDim / (threads * 4)) / 4 * 4);
        int chunks = (outDim + chunk - 1) / chunk;
        final boolean tiles = vector && rows >= 4 && in % Dot.F.length() == 0;
        Parallel.forChunks(chunks, (long) rows * outDim * in, threads, c -> {
            int lo = c * chunk, hi = Math.min(outDim, lo + chunk);
            float[] acc = new float[16];
            int o = lo;
            if (tiles) {
                for (; o + 2 <= hi; o += 2) {
                    int r = 0;
                    for (; r + 4 <= rows; r += 4) {
                        Dot.dot4x2(xa, r * in, in, wt.data, o * rowBytes, rowBytes, in, bf16, acc);
                        for (int k = 0; k < 4; k++) {
                            for (int j = 0; j < 2; j++) oa[(r + k) * outDim + o + j] = acc[k * 2 + j] + (b == null ? 0f : b[o + j]);
                        }
                    }
                    for (; r < rows; r++) {
                        for (int j = 0; j < 2; j++) {
                            oa[r * outDim + o + j] = Dot.dot(xa, r * in, wt.data, (o + j) * rowBytes, in, bf16) + (b == null ? 0f : b[o + j]);
                        }
                    }
                }
            }
            if (vector && rows == 1) {
                // GEMV (decode): four output rows at a time, four independent accumulator chains.
                for (; o + 4 <= hi; o += 4) {
                    Dot.dot1x4(xa, 0, wt.data, o * rowBytes, rowBytes, in, bf16, acc);
                    for (int j = 0; j < 4; j++) oa[o + j] = acc[j] + (b == null ? 0f : b[o + j]);
                }
            }
            for (; o < hi; o++) {
                long base = o * rowBytes;
                float bo = b == null ? 0f : b[o];
                if (!vector) {
                    for (int r = 0; r < rows; r++) oa[r * outDim + o] = Dot.dotScalar(xa, r * in, wt.data, base, in, bf16) + bo;
                    continue;
                }
                int r = 0;
                for (; r + 4 <= rows; r += 4) {
                    Dot.dot4(xa, r * in, in, wt.data, base, in, bf16, acc);
                    for (int k = 0; k < 4; k++) oa[(r + k) * outDim + o] = acc[k] + bo;
                }
                for (; r < rows; r++) oa[r * outDim + o] = Dot.dot(xa, r * in, wt.data, base, in, bf16) + bo;
            }
        });
    }

    /**
     * The matmul on Q8_0 / Q4_0 / Q4_1 blocks. Decode (one row) dequantizes four weight rows at a time in registers
     * ({@link Quant#dot1x4}); several rows dequantize each weight row once into a per-thread f32 scratch row and run
     * the f32 kernels on it, so the dequantization is shared by all tokens. Either way each output equals what the
     * f32 path gives on the dequantized matrix, bit for bit.
     */
    private void matmulBlocks(float[] xa, int rows, CpuWeight wt, float[] b, float[] oa) {
        final int in = wt.cols, outDim = wt.rows;
        final long rowBytes = wt.rowBytes(), f32RowBytes = 4L * in;
        int chunk = Math.max(4, Math.min(64, outDim / (threads * 4)) / 4 * 4);
        int chunks = (outDim + chunk - 1) / chunk;
        final boolean gemv = vector && rows == 1 && Quant.VECTOR;
        final boolean tiles = vector && rows >= 4 && in % Dot.F.length() == 0;
        Parallel.forChunks(chunks, (long) rows * outDim * in, threads, c -> {
            int lo = c * chunk, hi = Math.min(outDim, lo + chunk);
            float[] acc = new float[16];
            int o = lo;
            if (gemv) {
                float[] lanes = new float[Quant.LANES];
                for (; o + 4 <= hi; o += 4) {
                    Quant.dot1x4(wt.dtype, xa, 0, wt.data, o * rowBytes, rowBytes, in, lanes, acc);
                    for (int j = 0; j < 4; j++) oa[o + j] = acc[j] + (b == null ? 0f : b[o + j]);
                }
                if (o == hi) return;
            }
            float[] rowsF32 = rowScratch.get();
            if (rowsF32.length < 2 * in) {
                rowsF32 = new float[2 * in];
                rowScratch.set(rowsF32);
            }
            java.lang.foreign.MemorySegment s = java.lang.foreign.MemorySegment.ofArray(rowsF32);
            if (tiles) {
                for (; o + 2 <= hi; o += 2) {
                    Quant.dequantizeRow(wt.dtype, wt.data, o * rowBytes, in, rowsF32, 0, true);
                    Quant.dequantizeRow(wt.dtype, wt.data, (o + 1) * rowBytes, in, rowsF32, in, true);
                    int r = 0;
                    for (; r + 4 <= rows; r += 4) {
                        Dot.dot4x2(xa, r * in, in, s, 0, f32RowBytes, in, false, acc);
                        for (int k = 0; k < 4; k++) {
                            for (int j = 0; j < 2; j++) oa[(r + k) * outDim + o + j] = acc[k * 2 + j] + (b == null ? 0f : b[o + j]);
                        }
                    }
                    for (; r < rows; r++) {
                        for (int j = 0; j < 2; j++) {
                            oa[r * outDim + o + j] = Dot.dot(xa, r * in, s, j * f32RowBytes, in, false) + (b == null ? 0f : b[o + j]);
                        }
                    }
                }
            }
            for (; o < hi; o++) {
                Quant.dequantizeRow(wt.dtype, wt.data, o * rowBytes, in, rowsF32, 0, vector);
                float bo = b == null ? 0f : b[o];
                if (!vector) {
                    for (int r = 0; r < rows; r++) oa[r * outDim + o] = Dot.dotScalar(xa, r * in, s, 0, in, false) + bo;
                    continue;
                }
                int r = 0;
                for (; r + 4 <= rows; r += 4) {
                    Dot.dot4(xa, r * in, in, s, 0, in, false, acc);
                    for (int k = 0; k < 4; k++) oa[(r + k) * outDim + o] = acc[k] + bo;
                }
                for (; r < rows; r++) oa[r * outDim + o] = Dot.dot(xa, r * in, s, 0, in, false) + bo;
            }
        });
    }

    @Override
    public void rope(Buf x, int rows, int heads, int headDim, int[] positions, float[] invFreq, float attnScaling,
                     boolean interleaved) {
        float[] xa = a(x);
        int half = headDim / 2;
        float[] cos = new float[half], sin = new float[half];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < half; i++) {
                float angle = positions[r] * invFreq[i]; // f32, as HF computes position * inv_freq
                cos[i] = (float) Math.cos(angle) * attnScaling;
                sin[i] = (float) Math.sin(angle) * attnScaling;
            }
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    int i0 = interleaved ? base + 2 * i : base + i;
                    int i1 = interleaved ? i0 + 1 : i0 + half;
                    float x0 = xa[i0], x1 = xa[i1];
                    xa[i0] = x0 * cos[i] - x1 * sin[i];
                    xa[i1] = x1 * cos[i] + x0 * sin[i];
                }
            }
        }
    }

    @Override
    public void attention(Buf q, int rows, int[] positions, Buf[] keys, Buf[] values, AttentionParams p, Buf out) {
        float[] qa = a(q), oa = a(out);
        int hd = p.headDim(), group = p.heads() / p.kvHeads(), kvDim = p.kvDim(), qDim = p.qDim();
        long work = 0;
        for (int r = 0; r < rows; r++) work += (long) (positions[r] + 1) * qDim * 2;
        Parallel.forChunks(rows * p.heads(), work, threads, task -> {
            int r = task / p.heads(), h = task % p.heads(), kvh = h / group;
            int pos = positions[r];
            int first = p.slidingWindow() > 0 ? Math.max(0, pos - p.slidingWindow() + 1) : 0;
            int n = pos - first + 1;
            float[] k = a(keys[r]), v = a(values[r]);
            float[] s = scratch.get();
            if (s.length < n) {
                s = new float[Math.max(n, s.length * 2)];
                scratch.set(s);
            }
            int qo = r * qDim + h * hd;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                float score = Dot.dot(qa, qo, k, (first + j) * kvDim + kvh * hd, hd, vector) * p.scale();
                if (p.softcap() > 0) score = (float) (p.softcap() * Math.tanh(score / p.softcap()));
                s[j] = score;
                if (score > max) max = score;
            }
            float sum = 0;
            for (int j = 0; j < n; j++) {
                s[j] = (float) Math.exp(s[j] - max);
                sum += s[j];
            }
            float inv = 1f / sum;
            java.util.Arrays.fill(oa, qo, qo + hd, 0f);
            for (int j = 0; j < n; j++) Dot.axpy(s[j] * inv, v, (first + j) * kvDim + kvh * hd, oa, qo, hd, vector);
        });
    }

    @Override
    public void gatedActivation(Activation act, Buf gate, Buf up, int n) {
        float[] g = a(gate), u = a(up);
        for (int i = 0; i < n; i++) g[i] = activate(act, g[i]) * u[i];
    }

    static float activate(Activation act, float x) {
        return switch (act) {
            case SILU -> (float) (x / (1.0 + Math.exp(-x)));
            case GELU_TANH -> (float) (0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x))));
            case GELU -> (float) (0.5 * x * (1.0 + Erf.erf(x / Math.sqrt(2.0))));
        };
    }

    @Override
    public void softcap(Buf x, int n, float cap) {
        float[] xa = a(x);
        for (int i = 0; i < n; i++) xa[i] = (float) (cap * Math.tanh(xa[i] / cap));
    }

    @Override
    public void add(Buf x, Buf y, int n) {
        float[] xa = a(x), ya = a(y);
        for (int i = 0; i < n; i++) xa[i] += ya[i];
    }

    @Override
    public void close() {
        arena.close();
    }
}
