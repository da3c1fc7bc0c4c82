package org.saifengine.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.saifengine.backend.cuda.CudaBackend;
import org.saifengine.backend.cuda.CudaProbe;
import org.saifengine.backend.cuda.CudaStatus;
import org.saifengine.backend.cuda.GpuBench;
import org.saifengine.model.LoadOptions;
import org.saifengine.model.Model;
import org.saifengine.model.Sequence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code engine bench-gpu}: GPU kernel benchmarks on Gemma-2-2B shapes and, with {@code --model}, the full model on
 * the CUDA backend (prefill and greedy-free decode tokens/s at several batch sizes), written as markdown.
 */
@Command(name = "bench-gpu", mixinStandardHelpOptions = true,
        description = "Benchmarks the CUDA kernels (copy-bandwidth floor, batch-1 decode projections, SAE encode, steering)"
                + " and optionally a whole model on the CUDA backend; writes a markdown report.")
public final class BenchGpuCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "docs/perf/gpu.md", description = "report file (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--model", description = "a Hugging Face model directory to time end to end on the CUDA backend")
    Path model;

    @Option(names = "--batches", split = ",", defaultValue = "1,8,64", description = "batch sizes (default: ${DEFAULT-VALUE})")
    int[] batches;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "prompt length per sequence (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "32", description = "decode steps timed (default: ${DEFAULT-VALUE})")
    int decodeTokens;

    @Option(names = "--append", description = "a file of extra markdown table rows to add (e.g. HF transformers results)")
    Path append;

    @Override
    public Integer call() throws Exception {
        CudaStatus s = CudaProbe.status();
        if (!s.available()) throw new IllegalStateException("bench-gpu: " + s.describe());
        List<String> rows = new ArrayList<>();
        if (model != null) rows.addAll(modelRows());
        if (append != null) {
            for (String line : Files.readAllLines(append)) if (line.startsWith("|")) rows.add(line);
        }
        System.out.print(GpuBench.run(out, rows));
        return 0;
    }

    private List<String> modelRows() throws Exception {
        List<String> rows = new ArrayList<>();
        try (CudaBackend backend = CudaBackend.create();
             Model m = Model.open(model, new LoadOptions(backend, null))) {
            int vocab = m.config().vocabSize();
            for (int batch : batches) {
                List<Sequence> seqs = new ArrayList<>();
                List<Model.Input> prefill = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    Sequence seq = m.newSequence(promptTokens + decodeTokens + 4);
                    seqs.add(seq);
                    int[] ids = new int[promptTokens];
                    for (int t = 0; t < ids.length; t++) ids[t] = 1 + (31 * t + 7 * b) % (vocab - 1);
                    prefill.add(new Model.Input(seq, ids));
                }
                long t0 = System.nanoTime();
                m.forward(prefill, false);
                double prefillS = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                for (int step = 0; step < decodeTokens; step++) {
                    List<Model.Input> next = new ArrayList<>();
                    for (int b = 0; b < batch; b++) next.add(new Model.Input(seqs.get(b), new int[] {1 + (step * 13 + b) % (vocab - 1)}));
                    m.forward(next, false);
                }
                double decodeS = (System.nanoTime() - t1) / 1e9;
                rows.add(String.format("| engine (CUDA backend), %s, batch %d | prefill %.0f tokens/s, decode %.1f tokens/s |"
                                + " prompt %d, %d decode steps, logits downloaded every step |", model.getFileName(), batch,
                        batch * promptTokens / prefillS, batch * decodeTokens / decodeS, promptTokens, decodeTokens));
                for (Sequence seq : seqs) seq.truncate(0);
            }
        }
        return rows;
    }
}
