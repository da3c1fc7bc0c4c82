package org.saifengine.sae.train;

import org.saifengine.io.SafetensorsFile;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Activations collected beforehand ({@link ActivationShards} layout), read back by window index: the training
 * store's source when {@code sae train --activations DIR}. Checks that every window of the corpus is there exactly
 * once, with one vector per position >= 1.
 */
public final class CollectedActivations implements ActivationSource, AutoCloseable {
    private final ActivationShards.Manifest manifest;
    private final List<SafetensorsFile> files = new ArrayList<>();
    private final MemorySegment[] data;   // per part: the activations
    private final int[] part;             // per window: its part
    private final long[] firstRow;        // per window: its first row in the part
    private final int[] rows;             // per window: its vectors

    private CollectedActivations(ActivationShards.Manifest m, Path dir) throws IOException {
        this.manifest = m;
        int n = m.windows(), d = m.dModel();
        data = new MemorySegment[m.parts().size()];
        part = new int[n];
        firstRow = new long[n];
        rows = new int[n];
        Arrays.fill(part, -1);
        long total = 0;
        try {
            for (int p = 0; p < m.parts().size(); p++) {
                Path file = dir.resolve(m.parts().get(p));
                SafetensorsFile f = SafetensorsFile.open(file);
                files.add(f);
                Tensor acts = f.get("activations"), idx = f.get("windows"), off = f.get("offsets");
                if (acts.dtype() != DType.F32 || acts.rank() != 2 || acts.dim(1) != d || idx.dtype() != DType.I32
                        || off.dtype() != DType.I64 || off.numel() != idx.numel() + 1)
                    throw new IOException(file + ": expected activations F32 [rows, " + d + "], windows I32 [n], offsets I64 [n+1]");
                data[p] = acts.data();
                for (int i = 0; i < idx.numel(); i++) {
                    int w = idx.data().getAtIndex(Tensor.I32_LE, i);
                    long a = off.data().getAtIndex(Tensor.I64_LE, i), b = off.data().getAtIndex(Tensor.I64_LE, i + 1);
                    if (w < 0 || w >= n) throw new IOException(file + ": window " + w + " is outside the corpus's " + n + " windows");
                    if (part[w] >= 0) throw new IOException(file + ": window " + w + " appears twice (also in " + m.parts().get(part[w]) + ")");
                    if (a < 0 || b < a || b > acts.dim(0)) throw new IOException(file + ": bad offsets for window " + w);
                    part[w] = p;
                    firstRow[w] = a;
                    rows[w] = (int) (b - a);
                    total += b - a;
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        for (int w = 0; w < n; w++) if (part[w] < 0) { close(); throw new IOException(dir + ": window " + w + " was not collected"); }
        if (total != m.tokens()) { close(); throw new IOException(dir + ": parts hold " + total + " vectors, the manifest says " + m.tokens()); }
    }

    public static CollectedActivations open(Path dir) throws IOException {
        return new CollectedActivations(ActivationShards.readManifest(dir), dir);
    }

    public ActivationShards.Manifest manifest() {
        return manifest;
    }

    /** Fails unless these are the collection's windows (same count and length each): the corpus must be the same. */
    public void checkWindows(List<int[]> windows) {
        if (windows.size() != rows.length)
            throw new IllegalArgumentException("the corpus gives " + windows.size() + " windows but " + rows.length
                    + " were collected: train on the corpus and context the activations were collected from");
        for (int w = 0; w < rows.length; w++)
            if (rows[w] != windows.get(w).length - 1)
                throw new IllegalArgumentException("window " + w + " has " + (windows.get(w).length - 1) + " positions but "
                        + rows[w] + " vectors were collected: not the corpus the activations were collected from");
    }

    @Override
    public int tokens(int window) {
        return rows[window];
    }

    @Override
    public List<float[]> activations(List<Integer> windows) {
        int d = manifest.dModel();
        List<float[]> out = new ArrayList<>();
        for (int w : windows) {
            for (int r = 0; r < rows[w]; r++) {
                float[] v = new float[d];
                MemorySegment.copy(data[part[w]], Tensor.F32_LE, (firstRow[w] + r) * d * 4L, v, 0, d);
                out.add(v);
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (SafetensorsFile f : files) f.close();
        files.clear();
    }
}
