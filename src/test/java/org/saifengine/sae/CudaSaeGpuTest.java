package org.saifengine.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.saifengine.backend.cuda.CudaDevice;
import org.saifengine.backend.cuda.CudaKernels;
import org.saifengine.backend.cuda.CudaProbe;
import org.saifengine.backend.cuda.DeviceBuffer;
import org.saifengine.tensor.DType;

/**
 * SAE top-k equality: the fused CUDA encode (sae_encode.cu + sae_topk.cu) selects the same latents, in the same
 * order and with the same values, as this package's CPU encoder, for TopK and JumpReLU SAEs (b_dec subtracted).
 */
@Tag("gpu")
class CudaSaeGpuTest {
    final long seed = System.nanoTime();
    final Random rnd = new Random(seed);

    float[] gaussian(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * scale);
        return a;
    }

    @Test
    void topKAndJumpReluMatchTheCpuEncoder() {
        Assumptions.assumeTrue(CudaProbe.status().available(), () -> "skipped: " + CudaProbe.status().describe());
        int dIn = 96, dSae = 700, tokens = 9;
        for (Architecture arch : new Architecture[] {Architecture.TOPK, Architecture.JUMPRELU}) {
            int k = arch == Architecture.TOPK ? 24 : 0;
            float[] wEnc = gaussian(dIn * dSae, 0.2), bEnc = gaussian(dSae, 0.3), wDec = gaussian(dSae * dIn, 0.1);
            float[] bDec = gaussian(dIn, 0.1), thr = gaussian(dSae, 0.4);
            for (int j = 0; j < dSae; j++) thr[j] = Math.abs(thr[j]);
            SaeWeights w = SaeWeights.of(wEnc.clone(), bEnc.clone(), wDec.clone(), bDec.clone());
            if (arch == Architecture.JUMPRELU) w = w.withThreshold(thr.clone());
            Sae sae = Sae.create(new SaeConfig(arch, dIn, dSae, k, true, Normalization.NONE, false, null, null, "test"), w);
            float[][] xs = new float[tokens][];
            float[] flat = new float[tokens * dIn];
            for (int t = 0; t < tokens; t++) {
                xs[t] = gaussian(dIn, 1.0);
                System.arraycopy(xs[t], 0, flat, t * dIn, dIn);
            }
            SparseCode[] cpu = sae.encode(xs);
            int kk = arch == Architecture.TOPK ? k : 512;  // JumpReLU: room for every active latent
            try (CudaDevice dev = CudaDevice.open()) {
                CudaKernels kernels = new CudaKernels(dev);
                var dw = new CudaKernels.SaeWeights(dev.upload(wEnc), dev.upload(bEnc), dev.upload(thr), dev.upload(bDec),
                        null, DType.F32, dIn, dSae);
                DeviceBuffer ws = dev.alloc(CudaKernels.saeWorkspaceBytes(tokens, dIn, dSae, kk));
                DeviceBuffer vals = dev.alloc(4L * tokens * kk), idx = dev.alloc(4L * tokens * kk), nnz = dev.alloc(4L * tokens);
                int mode = arch == Architecture.TOPK ? CudaKernels.SAE_TOPK : CudaKernels.SAE_JUMPRELU;
                kernels.saeEncodeTopK(dev.upload(flat), dw, mode, ws, nnz, vals, idx, tokens, kk);
                float[] gv = dev.downloadFloats(vals, tokens * kk);
                int[] gi = dev.downloadInts(idx, tokens * kk), gn = dev.downloadInts(nnz, tokens);
                for (int t = 0; t < tokens; t++) {
                    int active = 0;
                    while (active < kk && gv[t * kk + active] > 0f) active++;
                    String what = arch + " token " + t + " (seed " + seed + ")";
                    if (arch == Architecture.JUMPRELU) assertTrue(gn[t] <= kk, what + ": more active latents than room");
                    assertArrayEquals(cpu[t].indices(), Arrays.copyOfRange(gi, t * kk, t * kk + active), what + " latents");
                    float[] want = cpu[t].values(), got = Arrays.copyOfRange(gv, t * kk, t * kk + active);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 1e-5 * Math.max(1, Math.abs(want[i])), what + " value " + i);
                    }
                }
            }
        }
    }
}
