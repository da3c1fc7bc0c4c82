package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.saifengine.backend.cuda.GpuAsserts.assertClose;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.backend.cpu.CpuBackend;
import org.saifengine.model.LoadOptions;
import org.saifengine.model.Model;
import org.saifengine.model.Sequence;

/** The one forward pass on the CUDA backend vs the CPU backend: stories260K logits (prefill + decode) and greedy ids. */
@Tag("gpu")
class CudaModelGpuTest {
    @Test
    void stories260KLogitsMatchTheCpu() throws Exception {
        GpuAsserts.assumeDevice();
        int[] prompt = {1, 403, 407, 261, 378, 284, 270, 394};
        try (Model cpu = Model.open(SharedData.stories260K(), new LoadOptions(CpuBackend.create(), null));
             Model gpu = Model.open(SharedData.stories260K(), new LoadOptions(CudaBackend.create(), null))) {
            Sequence sc = cpu.newSequence(64), sg = gpu.newSequence(64);
            float[] lc = cpu.forward(List.of(new Model.Input(sc, prompt)), true)[0];
            float[] lg = gpu.forward(List.of(new Model.Input(sg, prompt)), true)[0];
            assertClose(lc, lg, 1e-4, "prefill logits");
            int[] idsC = new int[20], idsG = new int[20];
            int vocab = cpu.config().vocabSize();
            int nextC = argmax(lc, lc.length - vocab, vocab), nextG = argmax(lg, lg.length - vocab, vocab);
            for (int i = 0; i < 20; i++) {
                idsC[i] = nextC;
                idsG[i] = nextG;
                float[] c = cpu.forward(List.of(new Model.Input(sc, new int[] {nextC})), false)[0];
                float[] g = gpu.forward(List.of(new Model.Input(sg, new int[] {nextG})), false)[0];
                assertClose(c, g, 1e-4, "decode logits step " + i);
                nextC = argmax(c, 0, vocab);
                nextG = argmax(g, 0, vocab);
            }
            assertArrayEquals(idsC, idsG, "greedy ids");
            cpu.backend().close();
            gpu.backend().close();
        }
    }

    static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (a[off + i] > a[off + best]) best = i;
        return best;
    }
}
