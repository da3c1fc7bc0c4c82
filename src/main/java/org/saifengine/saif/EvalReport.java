package org.saifengine.saif;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** report.html of {@code saif eval}: method comparison, pre vs post, k / alpha / layer sweeps, top tokens, heat-map. */
public final class EvalReport {
    private EvalReport() {}

    public static String render(EvalRun.Setup s, ObjectNode summary, Explain.Result explain, List<JsonNode> rows) throws IOException {
        JsonNode conds = summary.path("conditions");
        HtmlReport r = new HtmlReport("SAIF eval: " + s.task().name() + " on " + summary.path("model_id").asText());
        r.paragraph(String.format(Locale.ROOT, "SAE %s, layer %d, k = %d, alpha = %s, %d held-out contents, %d/%d rows%s. "
                        + "Strict and loose accuracy from the rule-based checker (%s)%s; whiskers are 95%% bootstrap intervals.",
                summary.path("sae_id").asText(), s.layer(), summary.path("k").asInt(), s.params().alpha(), s.contents().size(),
                summary.path("rows").asInt(), summary.path("jobs").asInt(), summary.path("complete").asBoolean() ? "" : " (incomplete)",
                s.task().checker().path("type").asText(), judgeNote(rows)));
        r.pre(EvalRun.table(summary));

        List<String> labels = new ArrayList<>();
        List<JsonNode> mainConds = new ArrayList<>();
        for (JsonNode m : summary.path("main")) {
            labels.add(m.path("short").asText());
            mainConds.add(conds.path(m.path("condition").asText()));
        }
        bars(r, "Method comparison", labels, mainConds);

        List<String> pp = List.of("pre", "post", "SAIF + pre", "SAIF + post");
        List<JsonNode> ppc = List.of(conds.path(EvalRun.mainCondition(s, "none", "pre")), conds.path(EvalRun.mainCondition(s, "none", "post")),
                conds.path(EvalRun.mainCondition(s, "saif", "pre")), conds.path(EvalRun.mainCondition(s, "saif", "post")));
        bars(r, "Pre vs post placement", pp, ppc);

        sweep(r, "Accuracy vs k (SAIF, no instruction)", "k", conds, "saif", c -> c.path("alpha").asDouble() == s.params().alpha()
                && c.path("layer").asInt() == s.layer(), c -> c.path("k").asDouble());
        int k0 = summary.path("k").asInt();
        sweep(r, "Accuracy vs alpha (SAIF, no instruction)", "alpha", conds, "saif", c -> c.path("k").asInt() == k0
                && c.path("layer").asInt() == s.layer(), c -> c.path("alpha").asDouble());
        sweepLayers(r, conds, k0, s.params().alpha());

        if (explain != null) {
            r.heading("Top tokens of the selected latents (logit lens; [brackets] = instruction word)");
            List<List<String>> t = new ArrayList<>();
            for (Explain.LatentTokens lt : explain.latents()) {
                List<String> toks = new ArrayList<>();
                for (int i = 0; i < lt.tokens().size(); i++)
                    toks.add(lt.instructionWord().get(i) ? "[" + lt.tokens().get(i) + "]" : lt.tokens().get(i));
                t.add(List.of("#" + lt.latent(), String.join("  ", toks)));
            }
            r.table(List.of("latent", "top tokens"), t);
        }
        heatmap(r, s.run().latents());

        r.heading("Example outputs");
        List<List<String>> ex = new ArrayList<>();
        Map<String, Integer> shown = new TreeMap<>();
        for (JsonNode row : rows) {
            String c = row.path("condition").asText();
            if (shown.merge(c, 1, Integer::sum) > 2) continue;
            ex.add(List.of(c, row.path("content_id").asText(), row.path("output").asText(),
                    (row.path("strict").asBoolean() ? "strict " : "") + (row.path("loose").asBoolean() ? "loose" : "fail")
                            + judgeVerdict(row)));
        }
        r.table(List.of("condition", "content", "output", "verdict"), ex);
        return r.render();
    }

    private static String judgeNote(List<JsonNode> rows) {
        if (rows.isEmpty() || !rows.getFirst().has("judge_parsed")) return "";
        long unparsed = rows.stream().filter(r -> !r.path("judge_parsed").asBoolean()).count();
        return String.format(Locale.ROOT, " and from the judge model (judge_strict, judge_loose; over the %d of %d answers "
                + "that could be parsed)", rows.size() - unparsed, rows.size());
    }

    private static String judgeVerdict(JsonNode row) {
        if (!row.has("judge_parsed")) return "";
        if (!row.path("judge_parsed").asBoolean()) return "; judge: unparsed";
        return "; judge: " + (row.path("judge_strict").asBoolean() ? "strict " : "") + (row.path("judge_loose").asBoolean() ? "loose" : "fail");
    }

    private static void bars(HtmlReport r, String title, List<String> labels, List<JsonNode> cs) {
        Map<String, double[]> ys = new LinkedHashMap<>(), lo = new LinkedHashMap<>(), hi = new LinkedHashMap<>();
        for (String m : List.of("strict", "loose", "judge_strict", "judge_loose")) {
            if (m.startsWith("judge") && cs.stream().noneMatch(c -> c.has(m))) continue;
            double[] y = new double[cs.size()], l = new double[cs.size()], h = new double[cs.size()];
            for (int i = 0; i < cs.size(); i++) {
                JsonNode iv = cs.get(i).path(m);
                y[i] = iv.isMissingNode() ? Double.NaN : iv.path("mean").asDouble();
                l[i] = iv.isMissingNode() ? Double.NaN : iv.path("lo").asDouble();
                h[i] = iv.isMissingNode() ? Double.NaN : iv.path("hi").asDouble();
            }
            ys.put(m, y);
            lo.put(m, l);
            hi.put(m, h);
        }
        r.heading(title);
        r.barChart(title, "accuracy", labels, ys, lo, hi);
    }

    private static void sweep(HtmlReport r, String title, String xLabel, JsonNode conds, String method,
                              java.util.function.Predicate<JsonNode> keep, java.util.function.ToDoubleFunction<JsonNode> x) {
        TreeMap<Double, JsonNode> pts = new TreeMap<>();
        for (var it = conds.fields(); it.hasNext(); ) {
            JsonNode c = it.next().getValue();
            if (c.path("method").asText().equals(method) && c.path("instruction").asText().equals("none") && keep.test(c))
                pts.put(x.applyAsDouble(c), c);
        }
        if (pts.size() < 2) return;
        line(r, title, xLabel, Map.of(method, pts));
    }

    private static void sweepLayers(HtmlReport r, JsonNode conds, int k0, double a0) {
        Map<String, TreeMap<Double, JsonNode>> byMethod = new LinkedHashMap<>();
        for (var it = conds.fields(); it.hasNext(); ) {
            JsonNode c = it.next().getValue();
            String m = c.path("method").asText();
            if ((m.equals("saif") || m.equals("dom")) && c.path("instruction").asText().equals("none")
                    && c.path("k").asInt() == k0 && c.path("alpha").asDouble() == a0)
                byMethod.computeIfAbsent(m, x -> new TreeMap<>()).put(c.path("layer").asDouble(), c);
        }
        if (byMethod.values().stream().allMatch(t -> t.size() < 2)) return;
        line(r, "Accuracy vs layer (no instruction)", "layer", byMethod);
    }

    private static void line(HtmlReport r, String title, String xLabel, Map<String, TreeMap<Double, JsonNode>> series) {
        java.util.TreeSet<Double> xsSet = new java.util.TreeSet<>();
        series.values().forEach(t -> xsSet.addAll(t.keySet()));
        double[] xs = xsSet.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, double[]> ys = new LinkedHashMap<>(), lo = new LinkedHashMap<>(), hi = new LinkedHashMap<>();
        for (var e : series.entrySet()) {
            for (String m : List.of("strict", "loose")) {
                double[] y = new double[xs.length], l = new double[xs.length], h = new double[xs.length];
                for (int i = 0; i < xs.length; i++) {
                    JsonNode c = e.getValue().get(xs[i]);
                    y[i] = c == null ? Double.NaN : c.path(m).path("mean").asDouble();
                    l[i] = c == null ? Double.NaN : c.path(m).path("lo").asDouble();
                    h[i] = c == null ? Double.NaN : c.path(m).path("hi").asDouble();
                }
                String name = e.getKey() + " " + m;
                ys.put(name, y);
                lo.put(name, l);
                hi.put(name, h);
            }
        }
        r.heading(title);
        r.lineChart(title, xLabel, "accuracy", xs, ys, lo, hi);
    }

    private static String num(JsonNode l, String f) {
        return String.format(Locale.ROOT, "%.3f", l.path(f).asDouble());
    }

    /** Heat-map of the selected latents' firing frequency per instruction variant, from latents.json. */
    static void heatmap(HtmlReport r, JsonNode latents) {
        List<String> vars = new ArrayList<>();
        latents.path("variants").forEach(v -> vars.add(v.path("id").asText()));
        List<String> rowsL = new ArrayList<>();
        List<float[]> vals = new ArrayList<>();
        for (JsonNode l : latents.path("selected")) {
            rowsL.add("#" + l.path("latent").asInt());
            float[] f = new float[vars.size()];
            for (int i = 0; i < f.length; i++) f[i] = (float) l.path("freq_by_variant").path(i).asDouble();
            vals.add(f);
        }
        if (!rowsL.isEmpty()) {
            r.heading("Selected latents: firing frequency per instruction variant");
            r.heatmap("freq_v(j)", rowsL, vars, vals.toArray(new float[0][]));
            return;
        }
        // no latent passed the filters: show the best candidates and what excluded each
        List<List<String>> t = new ArrayList<>();
        for (JsonNode l : latents.path("top_by_sensitivity_unfiltered")) {
            rowsL.add("#" + l.path("latent").asInt());
            float[] f = new float[vars.size()];
            for (int i = 0; i < f.length; i++) f[i] = (float) l.path("freq_by_variant").path(i).asDouble();
            vals.add(f);
            t.add(List.of("#" + l.path("latent").asInt(), num(l, "sensitivity"), num(l, "consistency"), num(l, "freq_p"),
                    num(l, "freq_n"), l.path("excluded_by").asText()));
        }
        if (rowsL.isEmpty()) return;
        r.heading("No latent passed the filters: top candidates by sensitivity and what excluded each");
        r.table(List.of("latent", "sensitivity", "consistency", "freq_P", "freq_N", "excluded by"), t);
        r.heatmap("freq_v(j)", rowsL, vars, vals.toArray(new float[0][]));
    }
}
