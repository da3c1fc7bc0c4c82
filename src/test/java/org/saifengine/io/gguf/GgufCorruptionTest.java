package org.saifengine.io.gguf;

import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.io.ModelFiles;
import org.saifengine.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random corruptions of the tiny GGUF (byte flips, overwritten fields, truncations, inserted junk), biased
 * towards the header and the tensor table. Each case is parsed, every tensor dequantized and, for some, the whole
 * GGUF-to-HF translation run; the only acceptable failures are IOException / IllegalArgumentException, and no case
 * may take more than a few seconds.
 */
class GgufCorruptionTest {
    static final int CASES = 3000;
    static final long SEED = 20261125L;

    @Test
    void randomCorruptionsGiveOnlyCleanErrors() throws Exception {
        Path tiny = SharedData.path("models/gguf/llama-2-tiny-random.gguf");
        byte[] original = Files.readAllBytes(tiny);
        long headerEnd;
        try (GgufFile g = GgufFile.open(tiny)) {
            headerEnd = g.dataStart();
        }
        Random rnd = new Random(SEED);
        List<String> failures = new ArrayList<>();
        int parsed = 0, translated = 0, rejected = 0;
        ExecutorService exec = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gguf-fuzz");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int i = 0; i < CASES; i++) {
                byte[] mutated = mutate(original, (int) headerEnd, rnd);
                boolean full = i % 150 == 0;
                String label = "case " + i;
                Future<Integer> f = exec.submit(() -> run(mutated, label, full));
                try {
                    int outcome = f.get(10, TimeUnit.SECONDS);
                    if (outcome == 0) rejected++;
                    else parsed++;
                    if (outcome == 2) translated++;
                } catch (TimeoutException e) {
                    f.cancel(true);
                    failures.add(label + ": no result within 10 s (hang?)");
                    break; // the worker may be stuck; stop here
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    failures.add(label + ": " + c.getClass().getName() + ": " + c.getMessage() + " at "
                            + Arrays.stream(c.getStackTrace()).limit(4).toList());
                }
                if (failures.size() >= 10) break;
            }
        } finally {
            exec.shutdownNow();
        }
        assertTrue(failures.isEmpty(), failures.size() + " bad outcomes:\n" + String.join("\n", failures));
        // The corpus must exercise both paths, or the test proves little.
        assertTrue(rejected > CASES / 10, "rejected " + rejected);
        assertTrue(parsed > CASES / 10, "parsed " + parsed);
        assertTrue(translated > 0, "translated " + translated);
    }

    /** 0: rejected with a clean error, 1: parsed and dequantized, 2: also translated to HF files. */
    private static int run(byte[] bytes, String label, boolean full) throws Exception {
        try (Arena arena = Arena.ofConfined();
             GgufFile g = GgufFile.of(MemorySegment.ofArray(bytes), Path.of(label + ".gguf"), Arena.ofConfined())) {
            for (GgufTensorInfo t : g.tensors().values()) {
                if (Dequantizer.supports(t.type())) g.dequantize(t, DType.F32, arena);
            }
            if (!full) return 1;
            try (ModelFiles m = GgufModelFiles.read(g, DType.F32)) {
                return m.config() != null ? 2 : 1;
            }
        } catch (IOException | IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("error without a message", e);
            return 0;
        }
    }

    private static byte[] mutate(byte[] src, int headerEnd, Random rnd) {
        int kind = rnd.nextInt(100);
        if (kind < 20) { // truncate
            int at = rnd.nextBoolean() ? rnd.nextInt(Math.min(src.length, headerEnd + 64)) : rnd.nextInt(src.length);
            return Arrays.copyOf(src, at);
        }
        if (kind < 40) { // insert junk
            int at = position(src.length, headerEnd, rnd);
            byte[] junk = new byte[1 + rnd.nextInt(16)];
            rnd.nextBytes(junk);
            byte[] out = new byte[src.length + junk.length];
            System.arraycopy(src, 0, out, 0, at);
            System.arraycopy(junk, 0, out, at, junk.length);
            System.arraycopy(src, at, out, at + junk.length, src.length - at);
            return out;
        }
        byte[] out = src.clone();
        if (kind < 60) { // overwrite an 8-byte field with an interesting value
            long[] values = {0, 1, -1, 0x7FFFFFFFL, 0xFFFFFFFFL, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, 13, 31, rnd.nextLong()};
            long v = values[rnd.nextInt(values.length)];
            int at = Math.min(position(out.length, headerEnd, rnd), out.length - 8);
            for (int b = 0; b < 8; b++) out[at + b] = (byte) (v >>> (8 * b));
            return out;
        }
        int flips = 1 + rnd.nextInt(4); // flip bits
        for (int k = 0; k < flips; k++) {
            int at = position(out.length, headerEnd, rnd);
            out[at] ^= (byte) (1 << rnd.nextInt(8));
        }
        return out;
    }

    /** Mostly in the fixed header or the tensor table at the end of the header; sometimes anywhere. */
    private static int position(int length, int headerEnd, Random rnd) {
        int r = rnd.nextInt(10);
        if (r < 4) return rnd.nextInt(Math.min(64, length));
        if (r < 8) return Math.max(0, headerEnd - 1 - rnd.nextInt(Math.min(headerEnd, 1200)));
        return rnd.nextInt(length);
    }
}
