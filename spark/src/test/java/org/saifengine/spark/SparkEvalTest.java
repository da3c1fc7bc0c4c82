package org.saifengine.spark;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.saifengine.cli.Main;
import org.saifengine.io.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code saif eval --spark} on stories260K against the single-process command on copies of the same find run: the
 * same rows of results.jsonl (same generations, checks, order) and the same summary.json, also when the first
 * attempt of a task fails on purpose.
 */
class SparkEvalTest {
    static Path find;

    @BeforeAll
    static void findRun() throws IOException {
        SparkFindTest.singleProcessRun();
        find = SparkFindTest.single;
    }

    @AfterEach
    void clearFaultInjection() {
        System.clearProperty(SparkFind.FAIL_FIRST_ATTEMPT_OF_PARTITION);
    }

    static Path copyOfFind(String name) throws IOException {
        Path dir = SparkFindTest.work.resolve(name);
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "latents.json", "directions.safetensors"))
            Files.copy(find.resolve(f), dir.resolve(f));
        return dir;
    }

    static void eval(Path run, String... extra) {
        List<String> args = new ArrayList<>(List.of("saif", "eval", "--run", run.toString(), "--contents", "3",
                "--max-tokens", "8", "--batch", "2", "--k-values", "1,2", "--alpha-values", "1", "--layer-values", "1,3",
                "--bootstrap", "50"));
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute(args.toArray(String[]::new)), "saif eval " + String.join(" ", extra) + " failed: " + err);
    }

    @Test
    void sparkEvalWithARetriedTaskGivesTheSingleProcessGenerations() throws IOException {
        Path single = copyOfFind("eval-single"), spark = copyOfFind("eval-spark");
        eval(single);
        System.setProperty(SparkFind.FAIL_FIRST_ATTEMPT_OF_PARTITION, "0");
        int before = SparkFind.INJECTED_FAILURES.get();
        eval(spark, "--spark", "local[2,4]", "--spark-partitions", "3");
        assertEquals(before + 1, SparkFind.INJECTED_FAILURES.get(), "the first attempt of partition 0 should have failed once");

        List<String> e = Files.readAllLines(single.resolve("results.jsonl")), a = Files.readAllLines(spark.resolve("results.jsonl"));
        assertTrue(e.size() > 12, "test setup: expected several batches of rows, got " + e.size());
        assertEquals(e, a, "results.jsonl (generations, checks and order)");
        JsonNode se = Json.read(single.resolve("summary.json")), sa = Json.read(spark.resolve("summary.json"));
        assertEquals(se, sa, "summary.json");
        assertTrue(Files.isRegularFile(spark.resolve("report.html")));

        // The generations table the executors wrote: one row per job, in job order, the outputs of results.jsonl.
        List<org.apache.spark.sql.Row> rows = SparkFindTest.readParquet(spark.resolve(SparkEval.GENERATIONS), "job");
        assertEquals(a.size(), rows.size(), "one Parquet row per results.jsonl row");
        for (int i = 0; i < rows.size(); i++) {
            JsonNode line = Json.MAPPER.readTree(a.get(i));
            var r = rows.get(i);
            assertEquals(line.path("index").asInt(), r.getInt(r.fieldIndex("job")));
            assertEquals(line.path("output").asText(), r.getString(r.fieldIndex("output")), "job " + i);
            assertEquals(line.path("method").asText(), r.getString(r.fieldIndex("method")));
            assertEquals(line.path("k").asInt(), r.getInt(r.fieldIndex("k")));
            assertEquals(line.path("layer").asInt(), r.getInt(r.fieldIndex("layer")));
        }
    }
}
