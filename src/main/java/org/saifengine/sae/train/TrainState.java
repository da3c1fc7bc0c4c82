package org.saifengine.sae.train;

import org.saifengine.io.AtomicFiles;
import org.saifengine.io.InvalidFileException;
import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsFile;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.tensor.DType;
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

    /**
     * Writes checkpoint.safetensors atomically with the step, tokens and {@code extra} in its header (so the one
     * rename commits tensors and counters together: a kill at any point leaves the previous checkpoint or this one,
     * never a mix), then checkpoint.json, a readable copy of that header.
     */
    public void save(Path dir, Map<String, Object> extra) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("d_in", dIn);
        meta.put("d_sae", n);
        meta.put("step", step);
        meta.put("tokens_seen", tokensSeen);
        meta.putAll(extra);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            for (var e : arrays().entrySet()) t.put(e.getKey(), Tensor.ofFloats(arena, e.getValue(), e.getValue().length));
            Tensor since = Tensor.allocate(arena, DType.I64, n);
            for (int j = 0; j < n; j++) since.data().setAtIndex(Tensor.I64_LE, j, tokensSinceFired[j]);
            t.put(SINCE_FIRED, since);
            SafetensorsWriter.write(dir.resolve(FILE), t, Map.of(META_KEY, Json.write(meta)));
        }
        AtomicFiles.writeString(dir.resolve(META), Json.pretty(meta));
    }

    /** Header key of the checkpoint's counters in checkpoint.safetensors. */
    static final String META_KEY = "saif_engine_checkpoint";
    /** Exact firing counters (I64); older checkpoints have them as F32 under "tokens_since_fired". */
    static final String SINCE_FIRED = "tokens_since_fired_i64";

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE)) && (Files.isRegularFile(dir.resolve(META)) || hasHeaderMeta(dir));
    }

    private static boolean hasHeaderMeta(Path dir) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(FILE))) {
            return f.metadata().containsKey(META_KEY);
        } catch (IOException e) {
            return false;
        }
    }

    /** The checkpoint's counters: from checkpoint.safetensors's header (the commit point), else checkpoint.json. */
    public static JsonNode readMeta(Path dir) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(FILE))) {
            String m = f.metadata().get(META_KEY);
            if (m != null) return Json.parse(m, dir.resolve(FILE) + " header");
        }
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
            if (f.has(SINCE_FIRED)) {
                Tensor since = f.get(SINCE_FIRED);
                if (since.dtype() != DType.I64 || since.numel() != n) throw new InvalidFileException("checkpoint tensor " + SINCE_FIRED + " is not I64 [" + n + "]");
                for (int j = 0; j < n; j++) st.tokensSinceFired[j] = since.data().getAtIndex(Tensor.I64_LE, j);
            } else {
                float[] since = f.get("tokens_since_fired").toFloatArray();
                for (int j = 0; j < n; j++) st.tokensSinceFired[j] = (long) since[j];
            }
        }
        st.step = meta.path("step").asLong();
        st.tokensSeen = meta.path("tokens_seen").asLong();
        return st;
    }
}
