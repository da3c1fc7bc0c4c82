package org.saifengine.saif;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.AtomicFiles;
import org.saifengine.io.Json;
import org.saifengine.io.ProgressBar;
import org.saifengine.saif.check.CheckResult;
import org.saifengine.saif.check.Checker;
import org.saifengine.saif.check.Checkers;
import org.saifengine.saif.judge.Judge;
import org.saifengine.saif.judge.JudgeVerdict;
import org.saifengine.steer.SteeringPlan;
import org.saifengine.steer.SteeringVectors;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * {@code saif eval}: generates every (condition, evaluation content) pair, checks each output, and appends one row
 * per generation to results.jsonl. Rows are produced in a fixed job order in fixed batches, so a rerun after an
 * interruption verifies the rows already there, continues from the first missing one and ends with the same file
 * as an uninterrupted run (generation is greedy or seeded per row). Then writes summary.json and report.html.
 */
public final class EvalRun {
    private EvalRun() {}

    /** Main conditions in report order: (label, method, instruction, short label for charts). */
    public static final List<String[]> MAIN = List.of(
            new String[]{"no instruction", "none", "none", "none"},
            new String[]{"instruction pre", "none", "pre", "pre"},
            new String[]{"instruction post", "none", "post", "post"},
            new String[]{"SAIF steering, no instruction", "saif", "none", "SAIF"},
            new String[]{"SAIF steering + instruction", "saif", "post", "SAIF+post"},
            new String[]{"difference of means", "dom", "none", "DoM"},
            new String[]{"random latents", "random", "none", "random"});

    /** The resolved settings of one eval. */
    public record Setup(SaifRun run, Task task, List<Content> contents, SaifParams params, EvalParams eval, int layer,
                        List<Integer> randomLatents, float[] randomVector, double saifNorm) {}

    public static Setup setup(SaifRun run, Task task, TaskContents split, SaifParams params, EvalParams eval,
                              LatentDictionary sae) {
        List<Content> contents = split.evaluation().subList(0, Math.min(eval.maxContents(), split.evaluation().size()));
        int layer = params.layer() >= 0 ? params.layer() : run.saeLayer();
        run.checkLayer(layer);
        int k = Math.min(params.k(), run.ranking().size());
        if (k == 0)  // nothing to steer with: the prompted conditions and the difference of means still run
            return new Setup(run, task, contents, params, eval, layer, List.of(), null, Double.NaN);
        float[] saif = run.saifVector(k, params.alpha());
        double norm = SteeringPlan.norm(saif);
        float[] coef = java.util.Arrays.copyOf(run.coef(), k);
        SteeringVectors.RandomControl rc = SteeringVectors.randomLatents(sae.dSae(), k, run.ranking(), coef,
                sae::decoderRow, norm, params.seed());
        return new Setup(run, task, contents, params, eval, layer, rc.latents(), rc.vector(), norm);
    }

    /** Whether the find selected latents (else the SAIF and random-latent conditions are not run). */
    static boolean hasLatents(Setup s) {
        return !s.run.ranking().isEmpty();
    }

    /**
     * The difference-of-means strength w: --dom-strength, else the SAIF vector's norm, else (no latents selected)
     * |u| itself, i.e. adding the mean difference unscaled.
     */
    static double domStrength(Setup s, int layer) {
        if (!Double.isNaN(s.params.domStrength())) return s.params.domStrength();
        if (!Double.isNaN(s.saifNorm)) return s.saifNorm;
        return SteeringPlan.norm(s.run.dom()[layer]);
    }

    /** The jobs in their fixed order: condition-major, contents in split order; duplicates removed. */
    public static List<EvalJob> jobs(Setup s) {
        List<String[]> conds = new ArrayList<>();
        int k0 = Math.min(s.params.k(), s.run.ranking().size());
        double a0 = s.params.alpha();
        for (String[] m : MAIN) conds.add(new String[]{m[1], m[2], "" + k0, "" + a0, "" + s.layer});
        conds.add(new String[]{"saif", "pre", "" + k0, "" + a0, "" + s.layer});
        for (int k : s.eval.kValues()) if (k <= s.run.ranking().size()) conds.add(new String[]{"saif", "none", "" + k, "" + a0, "" + s.layer});
        for (double a : s.eval.alphaValues()) conds.add(new String[]{"saif", "none", "" + k0, "" + a, "" + s.layer});
        for (int l : sweepLayers(s)) {
            conds.add(new String[]{"saif", "none", "" + k0, "" + a0, "" + l});
            conds.add(new String[]{"dom", "none", "" + k0, "" + a0, "" + l});
        }
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        List<EvalJob> jobs = new ArrayList<>();
        for (String[] c : conds) {
            String method = c[0], instr = c[1];
            int k = method.equals("none") ? 0 : Integer.parseInt(c[2]);
            double alpha = method.equals("none") ? 0 : Double.parseDouble(c[3]);
            int layer = method.equals("none") ? -1 : Integer.parseInt(c[4]);
            if ((method.equals("saif") || method.equals("random")) && !hasLatents(s)) continue;
            if (!seen.add(EvalJob.condition(method, instr, k, alpha, layer))) continue;
            for (int i = 0; i < s.contents.size(); i++)
                jobs.add(new EvalJob(i, s.contents.get(i).id(), method, instr, k, alpha, layer));
        }
        return jobs;
    }

    static List<Integer> sweepLayers(Setup s) {
        List<Integer> out = new ArrayList<>();
        for (int l : s.eval.layerValues()) {
            if (l == -1) {
                for (int i = 0; i < s.run.layers(); i++) if (!out.contains(i)) out.add(i);
            } else {
                s.run.checkLayer(l);
                if (!out.contains(l)) out.add(l);
            }
        }
        return out;
    }

    static LmSession.GenerationRequest request(Setup s, EvalJob j, LmSession lm) {
        Content c = s.contents.get(j.contentIndex());
        InstructionVariant v = j.instruction().equals("none") ? null : s.task.canonical();
        Placement pl = j.instruction().equals("pre") ? Placement.PRE : Placement.POST;
        String prompt = lm.formatPrompt(PromptBuilder.userText(s.task, c, v, pl));
        SaifParams p = s.params;
        SteeringPlan plan = switch (j.method()) {
            case "none" -> null;
            case "saif" -> SaifRun.plan(s.run.saifVector(j.k(), j.alpha()), j.layer(), p.positions(), p.fromStep(), p.renormalize());
            case "dom" -> SaifRun.plan(SteeringVectors.differenceOfMeans(s.run.dom()[j.layer()], domStrength(s, j.layer())),
                    j.layer(), p.positions(), p.fromStep(), p.renormalize());
            case "random" -> SaifRun.plan(s.randomVector, j.layer(), p.positions(), p.fromStep(), p.renormalize());
            default -> throw new IllegalStateException("unknown method " + j.method());
        };
        long seed = s.params.seed() * 1_000_003L + j.key().hashCode();
        return new LmSession.GenerationRequest(prompt, plan, s.eval.maxNewTokens(), s.eval.temperature(), seed);
    }

    /** Identity of the eval, stored in eval-config.json; a rerun must match it. */
    static ObjectNode identity(Setup s, LmSession lm, Judge judge) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("task", s.task.name()).put("model_id", lm.modelId()).put("layer", s.layer);
        if (Double.isNaN(s.saifNorm)) n.putNull("saif_norm");
        else n.put("saif_norm", s.saifNorm);
        n.set("params", s.params.toJson());
        n.set("eval", s.eval.identity());
        ArrayNode rl = n.putArray("random_latents");
        s.randomLatents.forEach(rl::add);
        ArrayNode ids = n.putArray("contents");
        s.contents.forEach(c -> ids.add(c.id()));
        if (judge != null) n.putObject("judge").put("id", judge.id()).put("prompt_sha256", Judge.templateHash());
        return n;
    }

    /** The outputs of the jobs start..end-1, generated as one batch. */
    public interface BatchSource {
        List<String> outputs(int start, int end);
    }

    /** Generates jobs start..end-1 in batches of the eval's batch size from start (a batch boundary), in order. */
    public static List<String> generate(Setup s, LmSession lm, int start, int end) {
        List<EvalJob> jobs = jobs(s);
        List<String> outs = new ArrayList<>();
        for (int b = start; b < end; b += s.eval.batchSize()) {
            List<LmSession.GenerationRequest> reqs = new ArrayList<>();
            for (int i = b; i < Math.min(end, b + s.eval.batchSize()); i++) reqs.add(request(s, jobs.get(i), lm));
            outs.addAll(lm.generate(reqs));
        }
        return outs;
    }

    /** Runs (or resumes) the eval. Returns true when every job has its row. */
    public static boolean run(Setup s, LmSession lm) throws IOException {
        return run(s, lm, null);
    }

    /**
     * Runs (or resumes) the eval, taking the generations from {@code source} when given (a distributed job; it is
     * asked for the same batches as the local loop) instead of generating them here.
     */
    public static boolean run(Setup s, LmSession lm, BatchSource source) throws IOException {
        return run(s, lm, source, null);
    }

    /**
     * As {@link #run(Setup, LmSession, BatchSource)}, and when a judge is given, each row also carries the judge's
     * verdicts on its output (the judge is part of the eval's identity: a rerun must name the same one).
     */
    public static boolean run(Setup s, LmSession lm, BatchSource source, Judge judge) throws IOException {
        Path dir = s.run.dir();
        ObjectNode id = identity(s, lm, judge);
        Path cfg = dir.resolve(RunFiles.EVAL_CONFIG);
        Path results = dir.resolve(RunFiles.RESULTS);
        AtomicFiles.requireWritable(dir);  // before any generation
        if (Files.isRegularFile(cfg) && Files.isRegularFile(results)) {
            JsonNode old = Json.read(cfg);
            // compare as stored: numbers re-read from text (an int written from a long reads back as an int)
            if (!old.equals(Json.parse(Json.write(id), "eval identity")))
                throw new IllegalArgumentException("this run already has eval results made with other settings (" + cfg
                        + "); delete results.jsonl and eval-config.json to start over, or rerun with the same options");
        } else {
            AtomicFiles.writeString(cfg, Json.pretty(id) + "\n");
        }
        List<EvalJob> jobs = jobs(s);
        List<JsonNode> existing = readRows(results, jobs);
        Checker checker = Checkers.fromSpec(s.task.checker());
        int done = existing.size();
        int batch = s.eval.batchSize();
        ProgressBar bar = new ProgressBar(System.err, "eval " + s.task.name(), jobs.size(), done, "");
        int added = 0;
        // Append-only: each batch's rows in one write; a row torn by a kill or a full disk is cut off on the next run.
        try (OutputStream out = Files.newOutputStream(results, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            // Batches start at multiples of the batch size, so a resumed run batches exactly like a fresh one.
            for (int start = done - done % batch; start < jobs.size(); start += batch) {
                if (s.eval.stopAfter() > 0 && added >= s.eval.stopAfter()) break;
                int end = Math.min(jobs.size(), start + batch);
                List<String> outs;
                if (source != null) {
                    outs = source.outputs(start, end);
                } else {
                    List<LmSession.GenerationRequest> reqs = new ArrayList<>();
                    for (int i = start; i < end; i++) reqs.add(request(s, jobs.get(i), lm));
                    outs = lm.generate(reqs);
                }
                List<JudgeVerdict> verdicts = null;
                if (judge != null) {
                    List<Judge.Item> items = new ArrayList<>();
                    for (int i = Math.max(start, done); i < end; i++)
                        items.add(new Judge.Item(s.task.canonical().text(), s.contents.get(jobs.get(i).contentIndex()).text(), outs.get(i - start)));
                    verdicts = judge.judge(items);
                }
                StringBuilder sb = new StringBuilder();
                for (int i = Math.max(start, done); i < end; i++) {
                    EvalJob j = jobs.get(i);
                    String output = outs.get(i - start);
                    CheckResult r = checker.check(output, s.contents.get(j.contentIndex()).text());
                    ObjectNode row = row(i, j, s, output, r);
                    if (verdicts != null) addVerdict(row, verdicts.get(i - Math.max(start, done)));
                    sb.append(Json.write(row)).append('\n');
                    bar.step();
                    added++;
                }
                try {
                    out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException e) {
                    throw AtomicFiles.cannotWrite(results, e);
                }
                done = end;
            }
        }
        bar.finish(); // --stop-after can end the run before the last step
        return done >= jobs.size();
    }

    static ObjectNode row(int index, EvalJob j, Setup s, String output, CheckResult r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("index", index).put("key", j.key()).put("task", s.task.name()).put("content_id", j.contentId())
                .put("condition", j.condition()).put("method", j.method()).put("instruction", j.instruction())
                .put("k", j.k()).put("alpha", j.alpha()).put("layer", j.layer()).put("output", output)
                .put("strict", r.strict()).put("loose", r.loose()).put("detail", r.detail());
        return n;
    }

    static void addVerdict(ObjectNode row, JudgeVerdict v) {
        row.put("judge_parsed", v.parsed());
        if (v.parsed()) row.put("judge_strict", v.strict()).put("judge_loose", v.loose());
        else row.putNull("judge_strict").putNull("judge_loose");
        row.put("judge_answer", v.answer());
    }

    /**
     * Reads the rows already written and checks that they are this eval's first rows; a torn last line (from a kill
     * mid-write) is cut off.
     */
    static List<JsonNode> readRows(Path results, List<EvalJob> jobs) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        if (!Files.isRegularFile(results)) return rows;
        byte[] bytes = Files.readAllBytes(results);
        String text = new String(bytes, StandardCharsets.UTF_8);
        int lastNl = text.lastIndexOf('\n');
        if (lastNl + 1 < text.length()) {
            // torn tail: keep only complete lines (truncated in place: needs no free space, unlike a rewrite)
            try (var ch = java.nio.channels.FileChannel.open(results, StandardOpenOption.WRITE)) {
                int keep = bytes.length;
                while (keep > 0 && bytes[keep - 1] != '\n') keep--;
                ch.truncate(keep);
            } catch (IOException e) {
                throw AtomicFiles.cannotWrite(results, e);
            }
            text = text.substring(0, lastNl + 1);
        }
        int lineNo = 0;
        for (String line : text.split("\n")) {
            if (line.isEmpty()) continue;
            JsonNode n = Json.parse(line, results + " line " + (lineNo + 1));
            if (lineNo >= jobs.size() || !n.path("key").asText().equals(jobs.get(lineNo).key()))
                throw new IOException(results + " line " + (lineNo + 1) + " does not belong to this eval (expected "
                        + (lineNo < jobs.size() ? jobs.get(lineNo).key() : "no more rows") + "); delete it to start over");
            rows.add(n);
            lineNo++;
        }
        return rows;
    }

    /** Aggregates results.jsonl into summary.json (strict/loose accuracy per condition with bootstrap intervals). */
    public static ObjectNode summarize(Setup s, LmSession lm) throws IOException {
        List<EvalJob> jobs = jobs(s);
        List<JsonNode> rows = readRows(s.run.dir().resolve(RunFiles.RESULTS), jobs);
        Map<String, List<JsonNode>> byCond = new LinkedHashMap<>();
        for (JsonNode r : rows) byCond.computeIfAbsent(r.path("condition").asText(), x -> new ArrayList<>()).add(r);
        ObjectNode sum = Json.MAPPER.createObjectNode();
        sum.put("task", s.task.name()).put("model_id", lm.modelId()).put("sae_id", s.run.config().path("sae_id").asText())
                .put("rows", rows.size()).put("jobs", jobs.size()).put("complete", rows.size() == jobs.size())
                .put("contents", s.contents.size()).put("k", Math.min(s.params.k(), s.run.ranking().size()))
                .put("alpha", s.params.alpha()).put("layer", s.layer);
        if (Double.isNaN(s.saifNorm)) sum.putNull("saif_norm");
        else sum.put("saif_norm", s.saifNorm);
        ArrayNode rl = sum.putArray("random_latents");
        s.randomLatents.forEach(rl::add);
        ObjectNode conds = sum.putObject("conditions");
        for (var e : byCond.entrySet()) {
            List<JsonNode> rs = e.getValue();
            boolean[] strict = new boolean[rs.size()], loose = new boolean[rs.size()];
            for (int i = 0; i < rs.size(); i++) {
                strict[i] = rs.get(i).path("strict").asBoolean();
                loose[i] = rs.get(i).path("loose").asBoolean();
            }
            JsonNode first = rs.getFirst();
            ObjectNode c = conds.putObject(e.getKey());
            c.put("method", first.path("method").asText()).put("instruction", first.path("instruction").asText())
                    .put("k", first.path("k").asInt()).put("alpha", first.path("alpha").asDouble())
                    .put("layer", first.path("layer").asInt()).put("n", rs.size());
            long seed = s.params.seed() ^ e.getKey().hashCode();
            c.set("strict", interval(Bootstrap.ofBooleans(strict, s.eval.bootstrapResamples(), seed)));
            c.set("loose", interval(Bootstrap.ofBooleans(loose, s.eval.bootstrapResamples(), seed + 1)));
            if (first.has("judge_parsed")) {
                List<JsonNode> judged = rs.stream().filter(x -> x.path("judge_parsed").asBoolean()).toList();
                c.put("judge_n", judged.size()).put("judge_unparsed", rs.size() - judged.size());
                if (!judged.isEmpty()) {
                    boolean[] js = new boolean[judged.size()], jl = new boolean[judged.size()];
                    for (int i = 0; i < judged.size(); i++) {
                        js[i] = judged.get(i).path("judge_strict").asBoolean();
                        jl[i] = judged.get(i).path("judge_loose").asBoolean();
                    }
                    c.set("judge_strict", interval(Bootstrap.ofBooleans(js, s.eval.bootstrapResamples(), seed + 2)));
                    c.set("judge_loose", interval(Bootstrap.ofBooleans(jl, s.eval.bootstrapResamples(), seed + 3)));
                }
            }
        }
        ArrayNode main = sum.putArray("main");
        for (String[] m : MAIN) {
            String key = mainCondition(s, m[1], m[2]);
            if (conds.has(key)) main.addObject().put("label", m[0]).put("short", m[3]).put("condition", key);
        }
        AtomicFiles.writeString(s.run.dir().resolve(RunFiles.SUMMARY), Json.pretty(sum) + "\n");
        return sum;
    }

    static String mainCondition(Setup s, String method, String instr) {
        int k0 = Math.min(s.params.k(), s.run.ranking().size());
        if (method.equals("none")) return EvalJob.condition("none", instr, 0, 0, -1);
        return EvalJob.condition(method, instr, k0, s.params.alpha(), s.layer);
    }

    private static ObjectNode interval(Bootstrap.Interval i) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("mean", i.mean()).put("lo", i.lo()).put("hi", i.hi());
        return n;
    }

    /** The short terminal table of the main conditions (with the judge's columns when the rows have verdicts). */
    public static String table(ObjectNode summary) {
        StringBuilder sb = new StringBuilder();
        boolean judged = false;
        for (JsonNode m : summary.path("main")) judged |= summary.path("conditions").path(m.path("condition").asText()).has("judge_n");
        sb.append(String.format(java.util.Locale.ROOT, "%-32s %5s  %-22s %-22s", "condition (" + summary.path("task").asText() + ")", "n",
                "strict [95% CI]", "loose [95% CI]"));
        if (judged) sb.append(String.format(java.util.Locale.ROOT, " %-22s %-22s %s", "judge strict", "judge loose", "unparsed"));
        sb.append('\n');
        for (JsonNode m : summary.path("main")) {
            JsonNode c = summary.path("conditions").path(m.path("condition").asText());
            sb.append(String.format(java.util.Locale.ROOT, "%-32s %5d  %-22s %-22s", m.path("label").asText(), c.path("n").asInt(),
                    ci(c.path("strict")), ci(c.path("loose"))));
            if (judged) sb.append(String.format(java.util.Locale.ROOT, " %-22s %-22s %d", ci(c.path("judge_strict")),
                    ci(c.path("judge_loose")), c.path("judge_unparsed").asInt()));
            sb.append('\n');
        }
        if (summary.path("k").asInt() == 0)
            sb.append("SAIF steering and random latents: not run, the find selected no latents (see find-report.html)\n");
        return sb.toString();
    }

    static String ci(JsonNode i) {
        if (i.isMissingNode()) return "-";
        return String.format(java.util.Locale.ROOT, "%.2f [%.2f, %.2f]", i.path("mean").asDouble(), i.path("lo").asDouble(), i.path("hi").asDouble());
    }
}
