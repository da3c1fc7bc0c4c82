package org.saifengine.saif;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.saifengine.io.Json;
import org.saifengine.saif.check.PronounChecker;
import org.saifengine.steer.Positions;
import org.saifengine.steer.SteeringPlan;
import org.saifengine.steer.SteeringVectors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SAIF on a real model: stories260K, with a TopK SAE trained (SAE package trainer) on its own layer-4 activations, and the concept task
 * "the child is a girl". Find, explain, steer and a resumable eval, all through the Java API.
 */
class SaifStoriesTest {
    static EngineSession lm;
    static SaeDictionary sae;
    static Task task;
    static TaskContents split;
    static Path dir;
    static SaifParams params;
    static FindRun.Result found;

    @BeforeAll
    static void find() throws IOException {
        lm = StoriesFixture.open();
        task = TaskSuite.load("concept-she");
        split = TaskContents.load(task);
        sae = StoriesFixture.fitSae(lm, task);
        double fvu = StoriesFixture.fvu(sae, StoriesFixture.activations(lm, List.of("Once upon a time, there was a little girl named Lily. She loved to play outside."), 4));
        assertTrue(fvu < 0.5, "SAE fit too poor: FVU " + fvu);
        SaifParams d = SaifParams.defaults();
        params = new SaifParams(d.k(), d.tau(), d.rho(), d.activeThreshold(), d.rankBy(), d.placement(), d.readPosition(),
                d.maxDiscoveryContents(), 2.0, -1, Positions.ALL, 0, false, Double.NaN, 0);
        dir = Files.createTempDirectory("saif-stories");
        found = FindRun.run(lm, sae, task, split, params, Json.MAPPER.createObjectNode().put("model", "stories260K"), dir);
    }

    @AfterAll
    static void close() {
        if (lm != null) lm.close();
    }

    /** Share of she-pronouns among she+he pronouns over the outputs. */
    static double sheShare(List<String> outputs) {
        int she = 0, he = 0;
        for (String o : outputs) {
            int[] c = PronounChecker.counts(o);
            she += c[0];
            he += c[1];
        }
        assertTrue(she + he >= 20, "too few pronouns to measure: " + she + " + " + he);
        return (double) she / (she + he);
    }

    static List<String> generate(SteeringPlan plan) {
        List<LmSession.GenerationRequest> reqs = new ArrayList<>();
        for (Content c : split.evaluation())
            for (int seed = 0; seed < 6; seed++) reqs.add(new LmSession.GenerationRequest(c.text(), plan, 64, 0.8, seed));
        return lm.generate(reqs);
    }

    @Test
    void steeringWithTheFoundLatentsRaisesTheShareOfSheAndTheRandomControlDoesNot() throws IOException {
        assertFalse(found.selected().isEmpty(), "no latent selected");
        SaifRun run = SaifRun.open(dir);
        float[] v = run.saifVector(params.k(), params.alpha());
        int k = run.selected(params.k()).size();
        var random = SteeringVectors.randomLatents(sae.dSae(), k, run.ranking(), Arrays.copyOf(run.coef(), k), sae::decoderRow,
                SteeringPlan.norm(v), 0);
        double base = sheShare(generate(null));
        double saif = sheShare(generate(SaifRun.plan(v, 4, Positions.ALL, 0, false)));
        double ctrl = sheShare(generate(SaifRun.plan(random.vector(), 4, Positions.ALL, 0, false)));
        System.out.printf("she share: base %.3f, SAIF %.3f, random %.3f (latents %s, random %s)%n", base, saif, ctrl,
                run.selected(params.k()), random.latents());
        assertTrue(saif - base >= 0.15, "SAIF steering should raise the she share by >= 0.15: " + base + " -> " + saif);
        assertTrue(ctrl - base < 0.15, "the random control should not: " + base + " -> " + ctrl);
        assertTrue(saif - ctrl >= 0.15);
    }

    @Test
    void findWritesScoresSelectionAndDirections() throws IOException {
        JsonNode lat = Json.read(dir.resolve(RunFiles.LATENTS));
        JsonNode cfg = Json.read(dir.resolve(RunFiles.CONFIG));
        assertEquals("concept-she", lat.path("task").asText());
        assertEquals(8, lat.path("variants").size());
        assertEquals(split.discovery().size() * 8, lat.path("n_positives").asInt());
        assertEquals(split.discovery().size(), lat.path("n_negatives").asInt());
        for (JsonNode s : lat.path("selected")) {
            assertTrue(s.path("consistency").asDouble() >= 0.5);
            assertTrue(s.path("freq_n").asDouble() <= 0.2);
            assertEquals(8, s.path("freq_by_variant").size());
        }
        assertEquals(2.0, cfg.path("params").path("alpha").asDouble());
        assertEquals(4, cfg.path("sae_layer").asInt());
        assertEquals(5, cfg.path("layers").asInt());
        SaifRun run = SaifRun.open(dir);
        assertEquals(found.ranking(), run.ranking());
        assertArrayEquals(sae.decoderRow(found.ranking().getFirst()), run.decoder()[0]);
        String html = Files.readString(dir.resolve(RunFiles.FIND_REPORT));
        assertTrue(html.contains("uPlot") && html.contains("class=\"heat\""));
    }

    @Test
    void explainProjectsDecoderRowsThroughTheUnembedding() throws IOException {
        SaifRun run = SaifRun.open(dir);
        Explain.Result r = Explain.compute(run, task, lm, 10);
        Explain.write(run, r);
        assertEquals(run.selected(params.k()).size(), r.latents().size());
        assertEquals(10, r.latents().getFirst().tokens().size());
        // The logit lens agrees with a direct computation from the checkpoint: tied embedding E [vocab, d] times
        // (final norm weight * decoder row).
        float[] row = run.decoder()[0];
        float[] lens = lm.logitLens(row);
        try (var ckpt = org.saifengine.io.Checkpoint.open(org.saifengine.SharedData.stories260K())) {
            float[] norm = ckpt.get("model.norm.weight").toFloatArray();
            float[] emb = ckpt.get("model.embed_tokens.weight").toFloatArray();
            int d = norm.length;
            assertEquals(512, lens.length);
            for (int v = 0; v < 512; v++) {
                double ref = 0;
                for (int i = 0; i < d; i++) ref += (double) emb[v * d + i] * norm[i] * row[i];
                assertEquals(ref, lens[v], 1e-3 * (1 + Math.abs(ref)), "logit of token " + v);
            }
        }
        assertTrue(r.cosine()[0][0] > 0.999f);
        JsonNode ex = Json.read(dir.resolve(RunFiles.EXPLAIN));
        assertEquals(r.latents().size(), ex.path("latents").size());
        assertTrue(ex.path("instruction_words").toString().contains("girl"));
    }

    @Test
    void steerPrintsUnsteeredAndSteeredSideBySide() throws IOException {
        SaifRun run = SaifRun.open(dir);
        SteerCompare.Result r = SteerCompare.run(run, lm, "Once upon a time, there was a boy named Tom.", false, 10, 4.0, 4,
                Positions.ALL, 0, false, 24, 0, 0);
        assertNotEquals(r.unsteered(), r.steered());
        String table = SteerCompare.sideBySide("unsteered", r.unsteered(), "steered", r.steered(), 40);
        assertTrue(table.lines().count() >= 3);
        assertThrows(IllegalArgumentException.class, () -> SteerCompare.run(run, lm, "x", false, 10, 4, 9, Positions.ALL, 0, false, 4, 0, 0));
    }

    static EvalParams tinyEval(int stopAfter) {
        return new EvalParams(3, 12, 0, 4, List.of(1, 2), List.of(1.0, 4.0), List.of(0, 4), 200, stopAfter);
    }

    @Test
    void evalIsResumableAndEndsIdenticalToAnUninterruptedRun() throws IOException {
        Path a = copyRun("eval-a"), b = copyRun("eval-b");
        EvalRun.Setup sa = EvalRun.setup(SaifRun.open(a), task, split, params, tinyEval(0), sae);
        assertTrue(EvalRun.run(sa, lm));
        ObjectNode summaryA = EvalRun.summarize(sa, lm);

        // Interrupted: stops after a batch, then a kill mid-write leaves a torn line.
        EvalRun.Setup sb = EvalRun.setup(SaifRun.open(b), task, split, params, tinyEval(5), sae);
        assertFalse(EvalRun.run(sb, lm));
        Path results = b.resolve(RunFiles.RESULTS);
        long rowsBefore = Files.readAllLines(results).size();
        assertEquals(8, rowsBefore);
        Files.writeString(results, "{\"index\": 8, \"key\": \"torn", java.nio.file.StandardOpenOption.APPEND);
        EvalRun.Setup sb2 = EvalRun.setup(SaifRun.open(b), task, split, params, tinyEval(0), sae);
        assertTrue(EvalRun.run(sb2, lm));
        ObjectNode summaryB = EvalRun.summarize(sb2, lm);
        assertEquals(Files.readString(a.resolve(RunFiles.RESULTS)), Files.readString(results));
        assertEquals(summaryA, summaryB);
        // A rerun of a finished eval adds nothing.
        assertTrue(EvalRun.run(sb2, lm));
        assertEquals(Files.readString(a.resolve(RunFiles.RESULTS)), Files.readString(results));

        // Fields: one row per generation, every condition of the method present.
        List<String> lines = Files.readAllLines(a.resolve(RunFiles.RESULTS), StandardCharsets.UTF_8);
        assertEquals(EvalRun.jobs(sa).size(), lines.size());
        JsonNode row = Json.parse(lines.getFirst(), "row");
        for (String f : List.of("index", "key", "task", "content_id", "condition", "method", "instruction", "k", "alpha", "layer", "output", "strict", "loose"))
            assertTrue(row.has(f), "row field " + f);
        JsonNode conds = summaryA.path("conditions");
        for (String m : List.of("none|none", "none|pre", "none|post")) assertTrue(conds.has(m), m);
        for (String method : List.of("saif", "dom", "random"))
            assertTrue(summaryA.path("main").toString().contains(method), method);
        assertEquals(7, summaryA.path("main").size());
        JsonNode strict = conds.path("none|post").path("strict");
        assertTrue(strict.path("lo").asDouble() <= strict.path("mean").asDouble() && strict.path("mean").asDouble() <= strict.path("hi").asDouble());

        // Other settings on the same run directory are refused instead of mixed in.
        EvalRun.Setup other = EvalRun.setup(SaifRun.open(a), task, split, params,
                new EvalParams(2, 12, 0, 4, List.of(1), List.of(1.0), List.of(4), 200, 0), sae);
        var e = assertThrows(IllegalArgumentException.class, () -> EvalRun.run(other, lm));
        assertTrue(e.getMessage().contains("other settings"));

        String html = EvalReport.render(sa, summaryA, Explain.compute(SaifRun.open(a), task, lm, 5),
                lines.stream().map(l -> {
                    try {
                        return Json.parse(l, "row");
                    } catch (IOException ex) {
                        throw new RuntimeException(ex);
                    }
                }).toList());
        assertTrue(html.contains("Method comparison") && html.contains("Accuracy vs alpha") && html.contains("Accuracy vs layer") && html.contains("Pre vs post"));
    }

    static Path copyRun(String name) throws IOException {
        Path to = dir.resolveSibling(dir.getFileName() + "-" + name);
        Files.createDirectories(to);
        for (String f : List.of(RunFiles.CONFIG, RunFiles.LATENTS, RunFiles.DIRECTIONS))
            Files.copy(dir.resolve(f), to.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return to;
    }
}
