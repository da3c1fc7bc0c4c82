package org.saifengine.saif;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.cli.Main;
import org.saifengine.io.Json;
import org.saifengine.sae.Sae;
import org.saifengine.sae.format.SaeLensWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** End-to-end smoke run of the CLI on stories260K: saif find, explain, steer, eval with a tiny budget. */
class SaifCliTest {
    static Path work, saeDir;
    static String model;

    @BeforeAll
    static void saveSae() throws IOException {
        Sae sae;
        try (EngineSession lm = StoriesFixture.open()) {
            sae = StoriesFixture.fitSae(lm, TaskSuite.load("concept-she")).sae();
        }
        work = Files.createTempDirectory("saif-cli");
        saeDir = work.resolve("sae");
        SaeLensWriter.write(sae, saeDir);
        model = SharedData.stories260K().toString();
    }

    @AfterAll
    static void clear() {
        System.clearProperty("shared.dir");
    }

    record Out(int code, String out, String err) {}

    static Out engine(String... args) {
        StringWriter err = new StringWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream(), progress = new ByteArrayOutputStream();
        PrintStream old = System.out, oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            System.setErr(new PrintStream(progress, true, java.nio.charset.StandardCharsets.UTF_8));
            var cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            code = cl.execute(args);
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
        return new Out(code, out.toString(java.nio.charset.StandardCharsets.UTF_8),
                err + progress.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void findExplainSteerEvalSmokeRun() throws IOException {
        Path run = work.resolve("run");
        Out find = engine("saif", "find", "--model", model, "--sae", saeDir.toString(), "--task", "concept-she",
                "--out", run.toString(), "--alpha", "2", "--discovery", "6");
        assertEquals(0, find.code(), find.err());
        assertTrue(find.out().contains("selected"), find.out());
        for (String f : List.of("config.json", "latents.json", "directions.safetensors", "find-report.html"))
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        JsonNode cfg = Json.read(run.resolve("config.json"));
        assertEquals(model, cfg.path("sources").path("model").asText());
        assertEquals(6, cfg.path("discovery_contents").size());
        for (String p : List.of("k", "tau", "rho", "alpha", "placement", "read_position", "positions", "seed"))
            assertTrue(cfg.path("params").has(p), p);
        JsonNode lat = Json.read(run.resolve("latents.json"));
        assertEquals(48, lat.path("n_positives").asInt());
        assertFalse(lat.path("selected").isEmpty(), "no latent selected");

        Out explain = engine("saif", "explain", "--run", run.toString(), "--top", "5");
        assertEquals(0, explain.code(), explain.err());
        assertTrue(explain.out().contains("max |cosine|"));
        assertEquals(lat.path("selected").size(), Json.read(run.resolve("explain.json")).path("latents").size());

        Out steer = engine("saif", "steer", "--run", run.toString(), "--prompt", "Once upon a time, there was a boy named Tom.",
                "--alpha", "4", "--max-tokens", "20", "--positions", "all");
        assertEquals(0, steer.code(), steer.err());
        assertTrue(steer.out().contains("unsteered") && steer.out().contains(" | "), steer.out());

        Out eval = engine("saif", "eval", "--run", run.toString(), "--contents", "2", "--max-tokens", "8", "--batch", "4",
                "--k-values", "1", "--alpha-values", "1,4", "--layer-values", "0,4", "--bootstrap", "100");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("SAIF steering, no instruction") && eval.out().contains("report: "), eval.out());
        assertTrue(eval.err().contains("ETA"), "progress bar on stderr");
        for (String f : List.of("results.jsonl", "summary.json", "report.html", "eval-config.json"))
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        JsonNode summary = Json.read(run.resolve("summary.json"));
        assertTrue(summary.path("complete").asBoolean());
        assertEquals(summary.path("jobs").asInt(), Files.readAllLines(run.resolve("results.jsonl")).size());
        assertEquals(7, summary.path("main").size());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("uPlot") && html.contains("Method comparison") && html.contains("Top tokens"));

        // Rerunning the finished eval resumes to the same file.
        String before = Files.readString(run.resolve("results.jsonl"));
        Out again = engine("saif", "eval", "--run", run.toString(), "--contents", "2", "--max-tokens", "8", "--batch", "4",
                "--k-values", "1", "--alpha-values", "1,4", "--layer-values", "0,4", "--bootstrap", "100");
        assertEquals(0, again.code(), again.err());
        assertEquals(before, Files.readString(run.resolve("results.jsonl")));
    }

    @Test
    void findReadsAtTheInstructionSpanWhenAsked() throws IOException {
        Path run = work.resolve("run-instruction-mean");
        Out find = engine("saif", "find", "--model", model, "--sae", saeDir.toString(), "--task", "concept-she",
                "--out", run.toString(), "--discovery", "2", "--read", "instruction-mean");
        assertEquals(0, find.code(), find.err());
        assertEquals("instruction-mean", Json.read(run.resolve("latents.json")).path("params").path("read_position").asText());
        assertEquals("instruction-mean", Json.read(run.resolve("config.json")).path("params").path("read_position").asText());
        Out bad = engine("saif", "find", "--model", model, "--sae", saeDir.toString(), "--task", "concept-she",
                "--out", work.resolve("r").toString(), "--read", "middle");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("read position must be last, instruction-mean or prompt-mean"), bad.err());
    }

    /** A find that selects nothing still evaluates what needs no latents, and says what was not run. */
    @Test
    void evalWithoutSelectedLatentsRunsThePromptedConditionsAndTheDifferenceOfMeans() throws IOException {
        Path run = work.resolve("run-none");
        Out find = engine("saif", "find", "--model", model, "--sae", saeDir.toString(), "--task", "concept-she",
                "--out", run.toString(), "--discovery", "2", "--active-threshold", "1e9");  // nothing fires
        assertEquals(0, find.code(), find.err());
        assertTrue(Json.read(run.resolve("latents.json")).path("selected").isEmpty());
        Out eval = engine("saif", "eval", "--run", run.toString(), "--contents", "2", "--max-tokens", "6", "--no-sweeps",
                "--bootstrap", "50");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("instruction post") && eval.out().contains("difference of means"), eval.out());
        assertTrue(eval.out().contains("not run, the find selected no latents") && eval.out().contains("report: "), eval.out());
        JsonNode summary = Json.read(run.resolve("summary.json"));
        assertTrue(summary.path("complete").asBoolean());
        assertEquals(8, summary.path("rows").asInt(), "none, pre, post and difference of means on 2 contents");
        assertEquals(4, summary.path("main").size());
        summary.path("conditions").fieldNames().forEachRemaining(c -> assertFalse(c.startsWith("saif") || c.startsWith("random"), c));
        JsonNode dom = summary.path("conditions").path("dom|none|k=0|alpha=4.0|layer=" + StoriesFixture.SAE_LAYER);
        assertEquals(2, dom.path("n").asInt(), summary.toString());
        assertTrue(summary.path("saif_norm").isNull());
        assertTrue(Files.readString(run.resolve("report.html")).contains("No latent passed the filters"));
    }

    @Test
    void badInputGivesOneClearError() {
        Out noTask = engine("saif", "find", "--model", model, "--sae", saeDir.toString(), "--task", "nope", "--out", work.resolve("x").toString());
        assertEquals(1, noTask.code());
        assertTrue(noTask.err().startsWith("error: unknown task 'nope'"), noTask.err());
        Out noRun = engine("saif", "steer", "--run", work.resolve("missing").toString(), "--prompt", "hi");
        assertEquals(1, noRun.code());
        assertTrue(noRun.err().contains("run directory not found"), noRun.err());
        Out badTau = engine("saif", "find", "--model", model, "--sae", saeDir.toString(), "--task", "concept-she",
                "--out", work.resolve("y").toString(), "--tau", "2");
        assertEquals(1, badTau.code());
        assertTrue(badTau.err().contains("tau must be in [0, 1]"), badTau.err());
        Out noSae = engine("saif", "find", "--model", model, "--sae", work.resolve("nosae").toString(), "--task", "concept-she",
                "--out", work.resolve("z").toString());
        assertEquals(1, noSae.code());
        assertTrue(noSae.err().contains("SAE path not found"), noSae.err());
    }
}
