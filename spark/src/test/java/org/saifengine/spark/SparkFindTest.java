package org.saifengine.spark;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.saifengine.cli.Main;
import org.saifengine.io.Json;
import org.saifengine.io.SafetensorsFile;
import org.saifengine.sae.Architecture;
import org.saifengine.sae.Normalization;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;
import org.saifengine.sae.format.SaeLensWriter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code saif find --spark local[2]} on stories260K against the single-process command: same selected latents and
 * ranking and counts, same per-latent statistics (bitwise, see TOL), same difference-of-means directions; also when a task fails
 * once on purpose and Spark retries it.
 */
class SparkFindTest {
    /**
     * Relative tolerance (absolute below 1): none. The engine's horizontal sums are a fixed pairwise tree
     * (backend.cpu.Lanes), so a forward pass gives the same bits in every JVM and JIT tier, and the per-partition
     * double sums of float statistics come out equal on this fixture too (measured: max difference 0.0, where it was
     * 1.5e-6 with reduceLanes). At dataset scale a different association of double sums could move the last bits
     * of a double (about 1e-16 relative); the issue allows 1e-6.
     */
    static final double TOL = 0;
    static Path work, sae, single;
    static String model;

    @BeforeAll
    static synchronized void singleProcessRun() throws IOException {
        if (single != null) return;
        Path shared = Path.of(System.getProperty("shared.dir", "../../shared")).toAbsolutePath().normalize();
        model = shared.resolve("models/stories260K").toString();
        assertTrue(Files.isDirectory(Path.of(model)), "stories260K not found at " + model);
        work = Files.createTempDirectory("saif-spark");
        sae = work.resolve("sae");
        SaeLensWriter.write(randomSae(64, 256, 7), sae);
        single = work.resolve("single");
        run(single);
        assertFalse(Json.read(single.resolve("latents.json")).path("selected").isEmpty(),
                "test setup: the single-process run selected no latents, so the comparison would check little");
    }

    /** A random ReLU SAE on stories260K's layer-2 residual (d_model 64). */
    static Sae randomSae(int dIn, int dSae, long seed) {
        Random r = new Random(seed);
        float[] wEnc = new float[dIn * dSae], bEnc = new float[dSae], wDec = new float[dSae * dIn], bDec = new float[dIn];
        for (int i = 0; i < wEnc.length; i++) wEnc[i] = (float) (r.nextGaussian() / Math.sqrt(dIn));
        for (int i = 0; i < wDec.length; i++) wDec[i] = (float) (r.nextGaussian() / Math.sqrt(dIn));
        for (int i = 0; i < dSae; i++) bEnc[i] = (float) (r.nextGaussian() * 0.05);
        SaeConfig cfg = new SaeConfig(Architecture.STANDARD, dIn, dSae, 0, true, Normalization.NONE, false,
                "blocks.2.hook_resid_post", "stories260K", "saelens");
        return Sae.create(cfg, SaeWeights.of(wEnc, bEnc, wDec, bDec));
    }

    static void run(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("saif", "find", "--model", model, "--sae", sae.toString(),
                "--task", "concept-she", "--out", out.toString(), "--discovery", "8", "--tau", "0.3", "--rho", "0.5"));
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args.toArray(String[]::new));
        assertEquals(0, code, "saif find " + String.join(" ", extra) + " failed: " + err);
    }

    @AfterEach
    void clearFaultInjection() {
        System.clearProperty(SparkFind.FAIL_FIRST_ATTEMPT_OF_PARTITION);
    }

    @Test
    void sparkLocal2GivesTheSingleProcessResults() throws IOException {
        Path spark = work.resolve("spark");
        run(spark, "--spark", "local[2]", "--spark-partitions", "3");
        assertSameRun(single, spark);
        assertLatentTableMatches(spark.resolve(SparkFind.LATENT_STATS), Json.read(single.resolve("latents.json")));
    }

    /** The Parquet table has one row per latent, in order, and the single-process ranking's numbers bit for bit. */
    static void assertLatentTableMatches(Path table, JsonNode latents) {
        List<Row> rows = readParquet(table, "latent");
        assertEquals(256, rows.size(), "one row per latent");
        for (int j = 0; j < rows.size(); j++) assertEquals(j, rows.get(j).getInt(0));
        assertFalse(latents.path("ranking").isEmpty());
        for (JsonNode r : latents.path("ranking")) {
            Row row = rows.get(r.path("latent").asInt());
            for (String c : List.of("freq_p", "freq_n", "mean_p", "mean_n", "consistency", "sensitivity", "standardized"))
                assertEquals((float) r.path(c).asDouble(), row.getFloat(row.fieldIndex(c)), "latent " + r.path("latent") + " " + c);
            List<Float> fv = row.getList(row.fieldIndex("freq_by_variant")), mv = row.getList(row.fieldIndex("mean_by_variant"));
            assertEquals(r.path("freq_by_variant").size(), fv.size());
            for (int v = 0; v < fv.size(); v++) {
                assertEquals((float) r.path("freq_by_variant").get(v).asDouble(), fv.get(v));
                assertEquals((float) r.path("mean_by_variant").get(v).asDouble(), mv.get(v));
            }
        }
    }

    /** A Parquet table's rows, ordered by a column, read with Spark SQL (local[1]). */
    static List<Row> readParquet(Path table, String orderBy) {
        assertTrue(Files.isDirectory(table), "Parquet table missing: " + table);
        SparkSession s = SparkSession.builder().master("local[1]").appName("read " + table.getFileName())
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            return s.read().parquet(table.toString()).orderBy(orderBy).collectAsList();
        } finally {
            s.stop();
        }
    }

    @Test
    void aFailedTaskIsRetriedAndCountedOnce() throws IOException {
        System.setProperty(SparkFind.FAIL_FIRST_ATTEMPT_OF_PARTITION, "0");
        int before = SparkFind.INJECTED_FAILURES.get();
        Path spark = work.resolve("spark-retry");
        run(spark, "--spark", "local[2,4]", "--spark-partitions", "4");  // local[threads, maxFailures]
        assertEquals(before + 1, SparkFind.INJECTED_FAILURES.get(), "the first attempt of partition 0 should have failed once");
        assertSameRun(single, spark);
    }

    static void assertSameRun(Path expected, Path actual) throws IOException {
        JsonNode e = Json.read(expected.resolve("latents.json")), a = Json.read(actual.resolve("latents.json"));
        assertEquals(ids(e.path("selected")), ids(a.path("selected")), "selected latents");
        assertEquals(ids(e.path("ranking")), ids(a.path("ranking")), "ranking");
        assertEquals(e.path("n_positives").asInt(), a.path("n_positives").asInt());
        assertEquals(e.path("n_negatives").asInt(), a.path("n_negatives").asInt());
        assertJsonClose(e, a, "latents.json");
        assertJsonClose(Json.read(expected.resolve("config.json")), Json.read(actual.resolve("config.json")), "config.json");
        try (SafetensorsFile fe = SafetensorsFile.open(expected.resolve("directions.safetensors"));
             SafetensorsFile fa = SafetensorsFile.open(actual.resolve("directions.safetensors"))) {
            assertEquals(fe.tensors().keySet(), fa.tensors().keySet(), "directions.safetensors tensors");
            for (String name : fe.tensors().keySet()) {
                float[] x = fe.get(name).toFloatArray(), y = fa.get(name).toFloatArray();
                assertEquals(x.length, y.length, name);
                for (int i = 0; i < x.length; i++) assertClose(x[i], y[i], name + "[" + i + "]");
            }
        }
        assertTrue(Files.isRegularFile(actual.resolve("find-report.html")));
        System.out.println("max difference " + expected.getFileName() + " vs " + actual.getFileName() + ": " + maxDiff);
    }

    /** The largest difference seen by assertClose (relative, absolute below 1), for the report. */
    static double maxDiff;

    static void assertClose(double expected, double actual, String where) {
        maxDiff = Math.max(maxDiff, Math.abs(expected - actual) / Math.max(1, Math.abs(expected)));
        assertEquals(expected, actual, TOL * Math.max(1, Math.abs(expected)), where);
    }

    static List<Integer> ids(JsonNode latents) {
        List<Integer> out = new ArrayList<>();
        latents.forEach(n -> out.add(n.path("latent").asInt()));
        return out;
    }

    /** Same structure and text; numbers within TOL. */
    static void assertJsonClose(JsonNode e, JsonNode a, String where) {
        if (e.isNumber()) {
            assertTrue(a.isNumber(), where + ": expected a number, got " + a);
            assertClose(e.asDouble(), a.asDouble(), where);
        } else if (e.isArray()) {
            assertEquals(e.size(), a.size(), where + " length");
            for (int i = 0; i < e.size(); i++) assertJsonClose(e.get(i), a.get(i), where + "[" + i + "]");
        } else if (e.isObject()) {
            assertEquals(names(e), names(a), where + " keys");
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!f.getKey().equals("out")) assertJsonClose(f.getValue(), a.get(f.getKey()), where + "." + f.getKey());
            }
        } else {
            assertEquals(e, a, where);
        }
    }

    static List<String> names(JsonNode o) {
        List<String> n = new ArrayList<>();
        o.fieldNames().forEachRemaining(n::add);
        return n;
    }
}
