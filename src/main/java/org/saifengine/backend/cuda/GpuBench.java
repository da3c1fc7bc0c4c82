package org.saifengine.backend.cuda;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.global.cudart;
import org.saifengine.io.AtomicFiles;
import org.saifengine.tensor.DType;

/**
 * GPU micro-benchmarks on Gemma-2-2B shapes with random bf16 weights, written as a markdown report: the device
 * copy bandwidth (the floor every bandwidth-bound kernel is compared with), the batch-1 decode projections of one
 * step (26 layers of GEMVs streaming every weight once), SAE encode at 16k and 65k widths, and the steer-add cost
 * relative to a decode step. Times come from CUDA events around repeated launches after a warm-up.
 */
public final class GpuBench {
    static final int D = 2304, FF = 9216, HEADS = 8, KV_HEADS = 4, HEAD_DIM = 256, LAYERS = 26;

    private final CudaDevice dev;
    private final CudaKernels k;
    private final List<String> rows = new ArrayList<>();

    private GpuBench(CudaDevice dev) {
        this.dev = dev;
        this.k = new CudaKernels(dev);
    }

    /** Milliseconds per call of {@code body}, averaged over {@code reps} after 3 warm-up calls. */
    private double time(int reps, Runnable body) {
        for (int i = 0; i < 3; i++) body.run();
        CUevent_st start = new CUevent_st(), stop = new CUevent_st();
        Cuda.check(cudart.cuEventCreate(start, 0), "cuEventCreate");
        Cuda.check(cudart.cuEventCreate(stop, 0), "cuEventCreate");
        Cuda.check(cudart.cuEventRecord(start, dev.stream()), "cuEventRecord");
        for (int i = 0; i < reps; i++) body.run();
        Cuda.check(cudart.cuEventRecord(stop, dev.stream()), "cuEventRecord");
        Cuda.check(cudart.cuEventSynchronize(stop), "cuEventSynchronize");
        float[] ms = new float[1];
        Cuda.check(cudart.cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
        cudart.cuEventDestroy(start);
        cudart.cuEventDestroy(stop);
        return ms[0] / reps;
    }

    private DeviceBuffer randomBf16(long n) {
        DeviceBuffer f = dev.alloc(4 * n), b = dev.alloc(2 * n);
        dev.fill32(f, Float.floatToIntBits(0.01f));
        k.f32ToBf16(f, b, n);
        dev.synchronize();
        dev.free(f);
        return b;
    }

    private void row(String what, String value, String note) {
        rows.add("| " + what + " | " + value + " | " + note + " |");
    }

    private double copyBandwidth() {
        long bytes = 1L << 30;
        DeviceBuffer a = dev.alloc(bytes), b = dev.alloc(bytes);
        double ms = time(10, () -> dev.copy(b, a, bytes));
        dev.free(a);
        dev.free(b);
        double gbs = 2.0 * bytes / (ms * 1e-3) / 1e9;  // read + write
        row("device copy bandwidth (floor)", String.format("%.0f GB/s", gbs), "cuMemcpyDtoD of 1 GiB, read + write");
        return gbs;
    }

    private double decodeProjections(double floor) {
        int[][] shapes = {{HEADS * HEAD_DIM, D}, {KV_HEADS * HEAD_DIM, D}, {KV_HEADS * HEAD_DIM, D}, {D, HEADS * HEAD_DIM},
                {FF, D}, {FF, D}, {D, FF}};
        List<DeviceBuffer> weights = new ArrayList<>();
        long bytes = 0;
        for (int l = 0; l < LAYERS; l++) {
            for (int[] s : shapes) {
                weights.add(randomBf16((long) s[0] * s[1]));
                bytes += 2L * s[0] * s[1];
            }
        }
        DeviceBuffer x = dev.alloc(4L * FF), y = dev.alloc(4L * FF);
        dev.fill32(x, Float.floatToIntBits(0.5f));
        double ms = time(20, () -> {
            int i = 0;
            for (int l = 0; l < LAYERS; l++) {
                for (int[] s : shapes) k.gemv(weights.get(i++), DType.BF16, x, y, s[0], s[1], false);
            }
        });
        double gbs = bytes / (ms * 1e-3) / 1e9;
        row("batch-1 decode projections, 26 layers (bf16 GEMV)", String.format("%.3f ms/step, %.0f GB/s (%.0f%% of floor)",
                ms, gbs, 100 * gbs / floor), String.format("%.2f GB of weights per step; attention and norms excluded", bytes / 1e9));
        for (DeviceBuffer w : weights) dev.free(w);
        dev.free(x);
        dev.free(y);
        return ms;
    }

    private void saeEncode(int dSae, int tokens, double floor) {
        DeviceBuffer wEnc = randomBf16((long) D * dSae), bEnc = randomBf16(dSae), thr = randomBf16(dSae);
        var w = new CudaKernels.SaeWeights(wEnc, bEnc, thr, null, null, DType.BF16, D, dSae);
        int kk = 64;
        DeviceBuffer x = dev.alloc(4L * tokens * D), ws = dev.alloc(CudaKernels.saeWorkspaceBytes(tokens, D, dSae, kk));
        DeviceBuffer vals = dev.alloc(4L * tokens * kk), idx = dev.alloc(4L * tokens * kk);
        dev.fill32(x, Float.floatToIntBits(0.25f));
        double ms = time(20, () -> k.saeEncodeTopK(x, w, CudaKernels.SAE_JUMPRELU, ws, null, vals, idx, tokens, kk));
        double wBytes = 2.0 * D * dSae;
        double gbs = wBytes / (ms * 1e-3) / 1e9;
        row(String.format("SAE encode + top-%d, width %dk, %d tokens", kk, dSae / 1024, tokens),
                String.format("%.3f ms, %.0f tokens/s", ms, tokens / (ms * 1e-3)),
                String.format("W_enc read at %.0f GB/s (%.0f%% of floor)", gbs, 100 * gbs / floor));
        for (DeviceBuffer b : new DeviceBuffer[] {wEnc, bEnc, thr, x, ws, vals, idx}) dev.free(b);
    }

    private void steering(double decodeMs) {
        DeviceBuffer resid = dev.alloc(4L * D), vec = dev.alloc(4L * D), zero = dev.upload(new int[] {0});
        DeviceBuffer mode = dev.upload(new int[] {CudaKernels.STEER_ALL}), strength = dev.upload(new float[] {4f});
        double ms = time(200, () -> k.steerAdd(resid, null, vec, zero, zero, mode, zero, zero, strength, 1, 1, D));
        row("steer-add, one layer, batch 1", String.format("%.4f ms", ms),
                String.format("%.2f%% of the decode projections of one step", 100 * ms / decodeMs));
        for (DeviceBuffer b : new DeviceBuffer[] {resid, vec, zero, mode, strength}) dev.free(b);
    }

    /**
     * Runs every kernel benchmark and writes the report to {@code out}, with {@code extraRows} (markdown table rows
     * measured elsewhere: the full model on this engine, HF transformers eager) appended to the table.
     */
    public static String run(Path out, List<String> extraRows) throws IOException {
        try (CudaDevice dev = CudaDevice.open()) {
            GpuBench b = new GpuBench(dev);
            double floor = b.copyBandwidth();
            double decode = b.decodeProjections(floor);
            for (int width : new int[] {16384, 65536}) {
                for (int tokens : new int[] {1, 64}) b.saeEncode(width, tokens, floor);
            }
            b.steering(decode);
            StringBuilder md = new StringBuilder();
            md.append("# GPU benchmarks\n\n");
            md.append("Card: ").append(dev.status().describe()).append("  \n");
            md.append("Run: ").append(Instant.now()).append(" by `benchmarks/gpu/run.sh` (`engine bench-gpu`)  \n");
            md.append("Shapes: Gemma-2-2B (d=2304, ffn=9216, 8 heads / 4 KV heads of 256, 26 layers), random bf16 weights.\n\n");
            md.append("| benchmark | result | note |\n| --- | --- | --- |\n");
            for (String r : b.rows) md.append(r).append('\n');
            for (String r : extraRows) md.append(r).append('\n');
            String text = md.toString();
            if (out.getParent() != null) java.nio.file.Files.createDirectories(out.getParent());
            AtomicFiles.writeString(out, text);
            return text;
        }
    }
}
