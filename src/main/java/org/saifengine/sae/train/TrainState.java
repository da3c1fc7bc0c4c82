package org.saifengine.sae.train;

import org.saifengine.io.AtomicFiles;
import org.saifengine.io.InvalidFileException;
import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsFile;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Everything training needs to resume: parameters, Adam moments, per-latent firing counters, step and tokens. */
public final class TrainState {
    public static final String FILE = "checkpoint.safetensors";
    public static final String META = "checkpoint.json";

    final int dIn, n;
    final float[] wEnc, wDec, bEnc, bDec;
    final float[] mWenc, vWenc, mWdec, vWdec, mBenc, vBenc, mBdec, vBdec;
    final long[] tokensSinceFired;
    long step, tokensSeen;

    private TrainState(int dIn, int n) {
        this.dIn = dIn;
        this.n = n;
        wEnc = new float[dIn * n];
        wDec = new float[n * dIn];
        bEnc = new float[n];
        bDec = new float[dIn];
        mWenc = new float[dIn * n];
        vWenc = new float[dIn * n];
        mWdec = new float[n * dIn];
        vWdec = new float[n * dIn];
        mBenc = new float[n];
        vBenc = new float[n];
        mBdec = new float[dIn];
        vBdec = new float[dIn];
        tokensSinceFired = new long[n];
    }

    static TrainState zeros(int dIn, int n) {
        return new TrainState(dIn, n);
    }

    public long step() { return step; }

    public long tokensSeen() { return tokensSeen; }

    private Map<String, float[]> arrays() {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("W_enc", wEnc);
        m.put("W_dec", wDec);
        m.put("b_enc", bEnc);
        m.put("b_dec", bDec);
        m.put("adam_m.W_enc", mWenc);
        m.put("adam_v.W_enc", vWenc);
        m.put("adam_m.W_dec", mWdec);
        m.put("adam_v.W_dec", vWdec);
        m.put("adam_m.b_enc", mBenc);
        m.put("adam_v.b_enc", vBenc);
        m.put("adam_m.b_dec", mBdec);
        m.put("adam_v.b_dec", vBdec);
        return m;
    }

    /** Writes checkpoint.safetensors then checkpoint.json (each atomically; the json marks a complete checkpoint). */
    public void save(Path dir, Map<String, Object> extra) throws IOException {
        Files.createDirectories(dir);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            for (var e : arrays().entrySet()) t.put(e.getKey(), Tensor.ofFloats(arena, e.getValue(), e.getValue().length));
            float[] since = new float[n];
            for (int j = 0; j < n; j++) since[j] = (float) tokensSinceFired[j];
            t.put("tokens_since_fired", Tensor.ofFloats(arena, since, n));
            SafetensorsWriter.write(dir.resolve(FILE), t, Map.of());
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("d_in", dIn);
        meta.put("d_sae", n);
        meta.put("step", step);
        meta.put("tokens_seen", tokensSeen);
        meta.putAll(extra);
        AtomicFiles.writeString(dir.resolve(META), Json.pretty(meta));
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(META)) && Files.isRegularFile(dir.resolve(FILE));
    }

    public static JsonNode readMeta(Path dir) throws IOException {
        return Json.read(dir.resolve(META));
    }

    public static TrainState load(Path dir, int dIn, int n) throws IOException {
        JsonNode meta = readMeta(dir);
        if (meta.path("d_in").asInt() != dIn || meta.path("d_sae").asInt() != n) {
            throw new InvalidFileException("checkpoint in " + dir + " is for d_in=" + meta.path("d_in") + ", d_sae=" + meta.path("d_sae")
                    + " but this run has d_in=" + dIn + ", d_sae=" + n);
        }
        TrainState st = new TrainState(dIn, n);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(FILE))) {
            for (var e : st.arrays().entrySet()) {
                float[] src = f.get(e.getKey()).toFloatArray();
                if (src.length != e.getValue().length) throw new InvalidFileException("checkpoint tensor " + e.getKey() + " has the wrong size");
                System.arraycopy(src, 0, e.getValue(), 0, src.length);
            }
            float[] since = f.get("tokens_since_fired").toFloatArray();
            for (int j = 0; j < n; j++) st.tokensSinceFired[j] = (long) since[j];
        }
        st.step = meta.path("step").asLong();
        st.tokensSeen = meta.path("tokens_seen").asLong();
        return st;
    }
}
