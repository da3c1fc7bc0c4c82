package org.saifengine.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.SharedData;
import org.saifengine.io.ModelFiles;
import org.saifengine.model.HookPoint;
import org.saifengine.model.LoadOptions;
import org.saifengine.model.Model;
import org.saifengine.sae.train.ActivationShards;
import org.saifengine.sae.train.ActivationStore;
import org.saifengine.sae.train.CollectedActivations;
import org.saifengine.sae.train.Corpus;
import org.saifengine.tokenizer.Tokenizers;

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
 * {@code sae collect} then {@code sae train --activations} on stories260K: the collected vectors are bitwise the
 * model's (each window captured alone), and training on them gives byte for byte the SAE that training on the
 * streamed activations gives (same seed, so the same order), with a buffer smaller than the corpus so that the store
 * refills from the source several times.
 */
class SaeCollectCommandTest {
    static final String HOOK = "blocks.2.hook_resid_post";
    @TempDir
    static Path tmp;
    static Path model, corpus, acts;

    @BeforeAll
    static void collect() {
        model = SharedData.stories260K();
        corpus = SharedData.path("data/text/tinystories_sample.txt");
        acts = tmp.resolve("acts");
        assertEquals("", run("sae", "collect", "--model", model.toString(), "--hook", HOOK, "--out", acts.toString(),
                "--corpus", corpus.toString(), "--context", "32"));
    }

    /** Runs the CLI; returns its error output, or "" when it exits 0. */
    static String run(String... args) {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return code == 0 ? "" : "exit " + code + ": " + err;
    }

    static List<String> train(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("sae", "train", "--model", model.toString(), "--hook", HOOK, "--d-sae", "64",
                "--k", "4", "--tokens", "2048", "--batch-size", "128", "--buffer-tokens", "256", "--eval-tokens", "100",
                "--checkpoint-every", "0", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void collectedVectorsAreTheModelsBitForBit() throws Exception {
        try (ModelFiles files = ModelFiles.open(model.toString()); Model m = Model.load(files, LoadOptions.defaults());
             CollectedActivations c = CollectedActivations.open(acts)) {
            List<int[]> windows = Corpus.windows(Tokenizers.load(files), List.of(corpus), 32);
            assertEquals(windows.size(), c.manifest().windows());
            assertTrue(windows.size() > 40, "test setup: expected many windows, got " + windows.size());
            c.checkWindows(windows);
            for (int w = 0; w < windows.size(); w++) {
                List<float[]> expected = ActivationStore.capture(m, HookPoint.parse(HOOK), List.of(windows.get(w)));
                List<float[]> actual = c.activations(List.of(w));
                assertEquals(expected.size(), actual.size(), "window " + w);
                for (int i = 0; i < expected.size(); i++)
                    assertArrayEquals(expected.get(i), actual.get(i), "window " + w + " position " + (i + 1));
            }
        }
    }

    @Test
    void trainingOnCollectedActivationsGivesTheStreamedSae() throws IOException {
        Path streamed = tmp.resolve("streamed"), collected = tmp.resolve("collected");
        assertEquals("", run(train(streamed, "--corpus", corpus.toString(), "--context", "32", "--generate-tokens", "0")
                .toArray(String[]::new)));
        // corpus and context come from the collection's manifest
        assertEquals("", run(train(collected, "--activations", acts.toString()).toArray(String[]::new)));
        byte[] a = Files.readAllBytes(streamed.resolve("sae_weights.safetensors")), b = Files.readAllBytes(collected.resolve("sae_weights.safetensors"));
        assertTrue(Arrays.equals(a, b), "the SAE trained on collected activations differs from the streamed one");
        assertEquals(Files.readString(streamed.resolve("metrics.json")), Files.readString(collected.resolve("metrics.json")));
    }

    @Test
    void mismatchedOrIncompleteCollectionsAreRefused() throws IOException {
        Path out = tmp.resolve("bad");
        String e = run(train(out, "--activations", tmp.resolve("nothing").toString()).toArray(String[]::new));
        assertTrue(e.contains("activations.json missing"), e);
        e = run(train(out, "--activations", acts.toString(), "--context", "48").toArray(String[]::new));
        assertTrue(e.contains("not the corpus the activations were collected from") || e.contains("windows but"), e);
        e = run(train(out, "--activations", acts.toString(), "--generate-tokens", "100").toArray(String[]::new));
        assertTrue(e.contains("--generate-tokens 0"), e);
        List<String> otherHook = train(out, "--activations", acts.toString());
        otherHook.set(otherHook.indexOf(HOOK), "blocks.1.hook_resid_post");
        e = run(otherHook.toArray(String[]::new));
        assertTrue(e.contains("were collected at " + HOOK), e);

        // A part lost after collection: the manifest still names it.
        Path partial = tmp.resolve("partial");
        Files.createDirectories(partial);
        Files.copy(acts.resolve(ActivationShards.MANIFEST), partial.resolve(ActivationShards.MANIFEST));
        IOException x = assertThrows(IOException.class, () -> CollectedActivations.open(partial));
        assertTrue(x.getMessage().contains("part-00000.safetensors"), x.getMessage());
    }
}
