package org.saifengine.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;
import org.saifengine.backend.Activation;
import org.saifengine.backend.AttentionParams;
import org.saifengine.backend.Backend;
import org.saifengine.backend.Buf;
import org.saifengine.backend.Weight;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

/**
 * The {@link Backend} ops on a CUDA device: the kernels of src/main/cuda through {@link CudaKernels}, projections
 * through cuBLAS (bf16 in, f32 accumulate) or, for one row, the GEMV kernel. Weights are uploaded once (F16 is
 * converted to F32 on the host first); activations and KV caches are device buffers. Ops are queued on one stream;
 * {@link #download} waits for them, which keeps the interface's "synchronous from the caller's view" contract.
 *
 * <p>Attention over the model's contiguous per-sequence caches: a run of rows of one sequence at consecutive
 * positions is one prefill launch (the whole cache is one KV page); a single row is one split-K decode launch.
 */
public final class CudaBackend implements Backend {
    private final CudaDevice device;
    private final CudaKernels kernels;
    private final Cublas blas;
    private final Arena hostArena = Arena.ofShared();
    private final Map<float[], DeviceBuffer> invFreqs = new IdentityHashMap<>();
    private final DeviceBuffer singlePageTable;
    private final DeviceBuffer kvLen;
    private DeviceBuffer ints;      // token ids of the current embed
    private DeviceBuffer positionsDev;  // positions of the current forward step, uploaded once for all rope calls
    private int[] positionsHost = new int[0];
    private DeviceBuffer bf16x;     // activations converted for bf16 GEMMs
    private DeviceBuffer partial;   // split-K decode workspace

    private CudaBackend(CudaDevice device) {
        this.device = device;
        this.kernels = new CudaKernels(device);
        this.blas = new Cublas(device);
        this.singlePageTable = device.upload(new int[] {0});
        this.kvLen = device.alloc(4);
    }

    /** Opens device 0; throws IllegalStateException with a one-line reason when there is none. */
    public static CudaBackend create() {
        return create(0);
    }

    /** Opens the device of this ordinal ({@link CudaDevice#open(int)}); e.g. the GPU a Spark task was assigned. */
    public static CudaBackend create(int ordinal) {
        CudaDevice d = CudaDevice.open(ordinal);
        try {
            return new CudaBackend(d);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    public CudaDevice device() {
        return device;
    }

    public CudaKernels kernels() {
        return kernels;
    }

    @Override
    public String name() {
        return "cuda: " + device.status().describe();
    }

    private static CudaBuf buf(Buf b) {
        if (b instanceof CudaBuf c) return c;
        throw new IllegalArgumentException("buffer " + b + " does not belong to the CUDA backend");
    }

    private static CudaWeight w(Weight w) {
        if (w instanceof CudaWeight c) return c;
        throw new IllegalArgumentException("weight " + w.name() + " was not prepared by the CUDA backend");
    }

    @Override
    public Buf allocate(long n) {
        if (n < 0) throw new IllegalArgumentException("buffer size must be >= 0, got " + n);
        DeviceBuffer d = device.alloc(Math.max(4, 4 * n));
        device.fill32(d, 0);
        return new CudaBuf(d, n);
    }

    @Override
    public Weight weight(String name, Tensor t) {
        if (t.rank() != 1 && t.rank() != 2) {
            throw new IllegalArgumentException("weight '" + name + "' has rank " + t.rank() + "; only 1 or 2 supported");
        }
        if (t.dtype() == DType.F16) t = t.to(DType.F32, hostArena);
        if (t.dtype() != DType.F32 && t.dtype() != DType.BF16) {
            throw new IllegalArgumentException("weight '" + name + "' is " + t.dtype() + "; the CUDA backend reads F32, BF16 or F16");
        }
        long r = t.rank() == 1 ? 1 : t.dim(0), c = t.rank() == 1 ? t.dim(0) : t.dim(1);
        if (r > Integer.MAX_VALUE || c > Integer.MAX_VALUE) throw new IllegalArgumentException("weight '" + name + "' too large");
        DeviceBuffer d = device.alloc(Math.max(4, t.byteSize()));
        device.upload(d, t.data());
        return new CudaWeight(name, t.dtype(), (int) r, (int) c, d);
    }

    @Override
    public void upload(float[] src, int srcOff, Buf dst, long dstOff, int n) {
        if (n == 0) return;
        device.upload(buf(dst).at(dstOff, n), MemorySegment.ofArray(src).asSlice(4L * srcOff, 4L * n));
    }

    @Override
    public void download(Buf src, long srcOff, float[] dst, int dstOff, int n) {
        if (n == 0) return;
        device.download(MemorySegment.ofArray(dst).asSlice(4L * dstOff, 4L * n), buf(src).at(srcOff, n), 0);
    }

    @Override
    public void copy(Buf src, long srcOff, Buf dst, long dstOff, int n) {
        if (n == 0) return;
        device.copy(buf(dst).at(dstOff, n), buf(src).at(srcOff, n), 4L * n);
    }

    private DeviceBuffer uploadInts(int[] values) {
        long bytes = Math.max(4, 4L * values.length);
        if (ints == null || ints.bytes() < bytes) {
            if (ints != null) device.free(ints);
            ints = device.alloc(Math.max(bytes, 4096));
        }
        device.upload(ints, MemorySegment.ofArray(values));
        return ints;
    }

    /** The positions on the device; q and k of every layer share them, so they are uploaded once per step. */
    private DeviceBuffer positions(int[] positions, int rows) {
        if (positionsDev != null && positionsHost.length == rows
                && java.util.Arrays.equals(positionsHost, 0, rows, positions, 0, rows)) {
            return positionsDev;
        }
        if (positionsDev == null || positionsDev.bytes() < 4L * rows) {
            if (positionsDev != null) device.free(positionsDev);
            positionsDev = device.alloc(Math.max(4096, 4L * rows));
        }
        positionsHost = java.util.Arrays.copyOf(positions, rows);
        device.upload(positionsDev, MemorySegment.ofArray(positionsHost));
        return positionsDev;
    }

    @Override
    public void embed(Weight table, int[] ids, float scale, Buf out) {
        CudaWeight t = w(table);
        for (int id : ids) {
            if (id < 0 || id >= t.rows()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + t.rows() + ")");
            }
        }
        if (ids.length == 0) return;
        kernels.embedding(uploadInts(ids), t.device(), t.dtype(), buf(out).at(0, (long) ids.length * t.cols()), ids.length,
                t.cols(), t.rows(), scale);
    }

    @Override
    public void rmsNorm(Buf x, Weight weight, float eps, boolean onePlusWeight, int rows, int dim, Buf out) {
        CudaWeight wt = w(weight);
        if (wt.rows() * (long) wt.cols() != dim) throw new IllegalArgumentException("norm weight " + wt.name() + " has "
                + (long) wt.rows() * wt.cols() + " values, rows have " + dim);
        long n = (long) rows * dim;
        kernels.rmsnormResidual(buf(x).at(0, n), null, wt.device(), wt.dtype(), buf(out).at(0, n), rows, dim, eps,
                onePlusWeight ? 1f : 0f);
    }

    @Override
    public void matmul(Buf x, int rows, Weight weight, Weight bias, Buf out) {
        CudaWeight wt = w(weight);
        CudaBuf xb = buf(x), ob = buf(out);
        if (xb.device().address() == ob.device().address()) throw new IllegalArgumentException("matmul output must not alias its input");
        int in = wt.cols(), outDim = wt.rows();
        DeviceBuffer xs = xb.at(0, (long) rows * in), os = ob.at(0, (long) rows * outDim);
        if (rows == 1) {
            kernels.gemv(wt.device(), wt.dtype(), xs, os, outDim, in, false);
        } else if (wt.dtype() == DType.F32) {
            blas.linear(xs, wt.device(), DType.F32, os, rows, in, outDim, false);
        } else {
            long n = (long) rows * in;
            if (bf16x == null || bf16x.bytes() < 2 * n) {
                if (bf16x != null) device.free(bf16x);
                bf16x = device.alloc(Math.max(2 * n, 1 << 20));
            }
            kernels.f32ToBf16(xs, bf16x, n);
            blas.linear(bf16x, wt.device(), DType.BF16, os, rows, in, outDim, false);
        }
        if (bias != null) {
            CudaWeight b = w(bias);
            if ((long) b.rows() * b.cols() != outDim) throw new IllegalArgumentException("bias " + b.name() + " does not match " + outDim + " outputs");
            kernels.biasAdd(os, b.device(), b.dtype(), rows, outDim);
        }
    }

    @Override
    public void rope(Buf x, int rows, int heads, int headDim, int[] positions, float[] invFreq, float attnScaling,
                     boolean interleaved) {
        if (rows == 0) return;
        if (invFreq.length != headDim / 2) {
            throw new IllegalArgumentException("rope needs head_dim/2 = " + headDim / 2 + " inverse frequencies, got " + invFreq.length);
        }
        DeviceBuffer freq = invFreqs.get(invFreq);
        if (freq == null) {
            freq = device.upload(invFreq.clone());
            invFreqs.put(invFreq, freq);
        }
        kernels.rope(buf(x).at(0, (long) rows * heads * headDim), positions(positions, rows), freq,
                rows, heads, headDim, headDim, (long) heads * headDim, attnScaling, interleaved);
    }

    @Override
    public void attention(Buf q, int rows, int[] positions, Buf[] keys, Buf[] values, AttentionParams p, Buf out) {
        int qDim = p.qDim(), kvDim = p.kvDim();
        var shape = new CudaKernels.AttentionShape(p.heads(), p.kvHeads(), p.headDim(), p.scale(), p.softcap(), p.slidingWindow());
        CudaBuf qb = buf(q), ob = buf(out);
        int r = 0;
        while (r < rows) {
            int e = r;  // extend the run while the same cache continues at the next position
            while (e + 1 < rows && keys[e + 1] == keys[r] && values[e + 1] == values[r] && positions[e + 1] == positions[e] + 1) e++;
            CudaBuf kb = buf(keys[r]), vb = buf(values[r]);
            int capacity = (int) (kb.size() / kvDim);
            int n = e - r + 1, qStart = positions[r], kvLength = positions[e] + 1;
            if (kvLength > capacity) throw new IllegalArgumentException("position " + positions[e] + " beyond a cache of " + capacity);
            DeviceBuffer qs = qb.at((long) r * qDim, (long) n * qDim), os = ob.at((long) r * qDim, (long) n * qDim);
            if (n == 1) {
                KernelGeometry.DecodePlan plan = kernels.decodePlan(1, kvLength, shape);
                if (partial == null || partial.bytes() < 4 * plan.partialFloats()) {
                    if (partial != null) device.free(partial);
                    partial = device.alloc(Math.max(4 * plan.partialFloats(), 1 << 20));
                }
                device.fill32(kvLen, kvLength);
                kernels.attentionDecode(qs, qDim, kb.device(), vb.device(), DType.F32, singlePageTable, 1, kvLen, capacity,
                        partial, os, 1, kvLength, shape);
            } else {
                kernels.attentionPrefill(qs, qDim, kb.device(), vb.device(), DType.F32, singlePageTable, capacity, os, n,
                        qStart, kvLength, shape);
            }
            r = e + 1;
        }
    }

    @Override
    public void gatedActivation(Activation act, Buf gate, Buf up, int n) {
        if (n == 0) return;
        CudaKernels.Gate g = switch (act) {
            case SILU -> CudaKernels.Gate.SILU;
            case GELU_TANH -> CudaKernels.Gate.GELU_TANH;
            case GELU -> CudaKernels.Gate.GELU_ERF;
        };
        DeviceBuffer gs = buf(gate).at(0, n);
        kernels.gatedActivation(g, gs, buf(up).at(0, n), gs, 1, n, n);
    }

    @Override
    public void softcap(Buf x, int n, float cap) {
        if (n > 0) kernels.softcap(buf(x).at(0, n), n, cap);
    }

    @Override
    public void add(Buf x, Buf y, int n) {
        if (n > 0) kernels.add(buf(x).at(0, n), buf(y).at(0, n), n);
    }

    @Override
    public void close() {
        blas.close();
        device.close();
        hostArena.close();
    }
}
