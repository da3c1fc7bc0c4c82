package org.saifengine.spark;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.saifengine.cli.Main;
import org.saifengine.sae.train.ActivationShards;
import org.saifengine.sae.train.CollectedActivations;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code sae collect --spark local[2,4]} on stories260K, with the first attempt of a task failing after it wrote its
 * part: every window's vectors bitwise equal to the in-process collection, each window once, and {@code sae train
 * --activations} on the Spark collection gives byte for byte the SAE that training on the streamed activations gives.
 */
class SparkCollectTest {
    static final String HOOK = "blocks.2.hook_resid_post";

    @AfterEach
    void clearFaultInjection() {
        System.clearProperty(SparkFind.FAIL_FIRST_ATTEMPT_OF_PARTITION);
    }

    static void cli(String... args) {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute(args), String.join(" ", args) + " failed: " + err);
    }

    @Test
    void sparkCollectionEqualsTheInProcessOneAndTrainsTheSameSae() throws IOException {
        SparkFindTest.singleProcessRun();  // model path and work directory
        Path work = SparkFindTest.work, corpus = Path.of(SparkFindTest.model).resolve("../../data/text/tinystories_sample.txt").normalize();
        assertTrue(Files.isRegularFile(corpus), "missing " + corpus);
        Path local = work.resolve("acts-local"), spark = work.resolve("acts-spark");
        List<String> collect = List.of("sae", "collect", "--model", SparkFindTest.model, "--hook", HOOK, "--corpus", corpus.toString(),
                "--context", "32");
        cli(with(collect, "--out", local.toString()));
        System.setProperty(SparkFind.FAIL_FIRST_ATTEMPT_OF_PARTITION, "1");
        int before = SparkFind.INJECTED_FAILURES.get();
        cli(with(collect, "--out", spark.toString(), "--spark", "local[2,4]", "--spark-partitions", "4"));
        assertEquals(before + 1, SparkFind.INJECTED_FAILURES.get(), "the first attempt of partition 1 should have failed once");

        try (CollectedActivations a = CollectedActivations.open(local); CollectedActivations b = CollectedActivations.open(spark)) {
            ActivationShards.Manifest ma = a.manifest(), mb = b.manifest();
            assertEquals(4, mb.parts().size(), "one part per partition");
            assertEquals(ma.windows(), mb.windows());
            assertEquals(ma.tokens(), mb.tokens());
            assertTrue(ma.windows() > 40, "test setup: expected many windows, got " + ma.windows());
            for (int w = 0; w < ma.windows(); w++) {
                List<float[]> x = a.activations(List.of(w)), y = b.activations(List.of(w));
                assertEquals(x.size(), y.size(), "window " + w);
                for (int i = 0; i < x.size(); i++) assertArrayEquals(x.get(i), y.get(i), "window " + w + " vector " + i);
            }
        }

        List<String> train = List.of("sae", "train", "--model", SparkFindTest.model, "--hook", HOOK, "--d-sae", "64", "--k", "4",
                "--tokens", "2048", "--batch-size", "128", "--buffer-tokens", "256", "--eval-tokens", "100", "--checkpoint-every", "0");
        Path streamed = work.resolve("sae-streamed"), fromSpark = work.resolve("sae-spark");
        cli(with(train, "--out", streamed.toString(), "--corpus", corpus.toString(), "--context", "32", "--generate-tokens", "0"));
        cli(with(train, "--out", fromSpark.toString(), "--activations", spark.toString()));
        assertTrue(Arrays.equals(Files.readAllBytes(streamed.resolve("sae_weights.safetensors")),
                Files.readAllBytes(fromSpark.resolve("sae_weights.safetensors"))), "SAE trained on the Spark collection differs");
    }

    static String[] with(List<String> base, String... extra) {
        List<String> a = new ArrayList<>(base);
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }
}
