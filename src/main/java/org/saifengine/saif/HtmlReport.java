package org.saifengine.saif;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML report: tables, colour heat-maps, and charts drawn by uPlot (MIT, inlined from its webjar,
 * so the file opens offline). Charts: lines over a numeric x (accuracy vs k / alpha / layer) and grouped bars over
 * categories (method comparison, pre vs post), each series optionally with 95% interval whiskers.
 */
public final class HtmlReport {
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private final StringBuilder body = new StringBuilder();
    private final String title;
    private int charts;

    public HtmlReport(String title) {
        this.title = title;
    }

    public static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    public HtmlReport heading(String text) {
        body.append("<h2>").append(esc(text)).append("</h2>\n");
        return this;
    }

    public HtmlReport paragraph(String text) {
        body.append("<p>").append(esc(text)).append("</p>\n");
        return this;
    }

    public HtmlReport pre(String text) {
        body.append("<pre>").append(esc(text)).append("</pre>\n");
        return this;
    }

    public HtmlReport table(List<String> header, List<List<String>> rows) {
        body.append("<table><tr>");
        for (String h : header) body.append("<th>").append(esc(h)).append("</th>");
        body.append("</tr>\n");
        for (List<String> r : rows) {
            body.append("<tr>");
            for (String c : r) body.append("<td>").append(esc(c)).append("</td>");
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** A heat-map table: cell colour is the value scaled to the table's maximum. */
    public HtmlReport heatmap(String caption, List<String> rowLabels, List<String> colLabels, float[][] values) {
        float max = 1e-12f;
        for (float[] r : values) for (float v : r) max = Math.max(max, Math.abs(v));
        body.append("<table class=\"heat\"><caption>").append(esc(caption)).append("</caption><tr><th></th>");
        for (String c : colLabels) body.append("<th>").append(esc(c)).append("</th>");
        body.append("</tr>\n");
        for (int i = 0; i < rowLabels.size(); i++) {
            body.append("<tr><th>").append(esc(rowLabels.get(i))).append("</th>");
            for (float v : values[i]) {
                double t = Math.min(1, Math.abs(v) / max);
                int light = (int) Math.round(97 - 55 * t);
                body.append(String.format(Locale.ROOT, "<td style=\"background:hsl(%d,70%%,%d%%)\" title=\"%.4g\">%.2f</td>",
                        v >= 0 ? 210 : 0, light, v, v));
            }
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /**
     * A line chart over numeric x. {@code series} maps a name to y values (NaN = missing); {@code lo}/{@code hi}
     * (may be null) give interval bounds per series, drawn as whiskers.
     */
    public HtmlReport lineChart(String caption, String xLabel, String yLabel, double[] xs, Map<String, double[]> series,
                                Map<String, double[]> lo, Map<String, double[]> hi) {
        return chart("line", caption, xLabel, yLabel, xs, null, series, lo, hi);
    }

    /** Grouped bars over categories. */
    public HtmlReport barChart(String caption, String yLabel, List<String> categories, Map<String, double[]> series,
                               Map<String, double[]> lo, Map<String, double[]> hi) {
        double[] xs = new double[categories.size()];
        for (int i = 0; i < xs.length; i++) xs[i] = i;
        return chart("bar", caption, "", yLabel, xs, categories, series, lo, hi);
    }

    private HtmlReport chart(String kind, String caption, String xLabel, String yLabel, double[] xs, List<String> categories,
                             Map<String, double[]> series, Map<String, double[]> lo, Map<String, double[]> hi) {
        String id = "chart" + (charts++);
        ObjectNode spec = Json.MAPPER.createObjectNode();
        spec.put("kind", kind).put("title", caption).put("xLabel", xLabel).put("yLabel", yLabel);
        spec.set("x", doubles(xs));
        if (categories != null) {
            ArrayNode c = spec.putArray("categories");
            categories.forEach(c::add);
        }
        ArrayNode ss = spec.putArray("series");
        for (var e : series.entrySet()) {
            ObjectNode s = ss.addObject();
            s.put("name", e.getKey());
            s.set("y", doubles(e.getValue()));
            if (lo != null && lo.containsKey(e.getKey())) s.set("lo", doubles(lo.get(e.getKey())));
            if (hi != null && hi.containsKey(e.getKey())) s.set("hi", doubles(hi.get(e.getKey())));
        }
        body.append("<figure><div id=\"").append(id).append("\"></div><script>saifChart(document.getElementById('")
                .append(id).append("'), ").append(Json.write(spec).replace("</", "<\\/")).append(");</script></figure>\n");
        return this;
    }

    private static ArrayNode doubles(double[] v) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (double d : v) {
            if (Double.isFinite(d)) a.add(d);
            else a.addNull();
        }
        return a;
    }

    public String render() throws IOException {
        return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n<style>"
                + resource(UPLOT + "uPlot.min.css") + "\n" + CSS + "</style>\n<script>" + resource(UPLOT + "uPlot.iife.min.js")
                + "</script>\n<script>" + CHART_JS + "</script>\n</head><body><h1>" + esc(title) + "</h1>\n" + body
                + "<footer>Charts drawn with uPlot 1.6.30 (MIT).</footer></body></html>\n";
    }

    private static String resource(String path) throws IOException {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IOException("report asset missing from the class path: " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static final String CSS = """
            body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
            table{border-collapse:collapse;margin:1em 0;font-size:13px}
            td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
            table.heat td{text-align:right;min-width:2.5em}
            caption{font-weight:bold;text-align:left;padding:4px 0}
            figure{margin:1em 0}
            pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}
            footer{margin-top:3em;color:#888;font-size:12px}
            """;

    /**
     * Builds a uPlot chart from the spec. Grouped bars: each series gets its own x positions around the category
     * index (null elsewhere), so uPlot's bar path draws them side by side; interval whiskers come from a draw hook.
     */
    private static final String CHART_JS = """
            const SAIF_COLORS=['#1f77b4','#d62728','#2ca02c','#ff7f0e','#9467bd','#8c564b','#e377c2','#17becf','#7f7f7f','#bcbd22'];
            function saifChart(el, spec){
              const n=spec.series.length, bar=spec.kind==='bar', slot=0.8/n;
              const xOf=(j,i)=>bar?spec.x[j]-0.4+slot*(i+0.5):spec.x[j];
              let xs=[], ys=spec.series.map(()=>[]);
              if(bar){
                for(let j=0;j<spec.x.length;j++) for(let i=0;i<n;i++){xs.push(xOf(j,i));
                  ys.forEach((y,k)=>y.push(k===i?spec.series[k].y[j]:null));}
              } else { xs=spec.x.slice(); ys=spec.series.map(s=>s.y.slice()); }
              const series=[{label:spec.xLabel||'x'}].concat(spec.series.map((s,i)=>{
                  const o={label:s.name, stroke:SAIF_COLORS[i%10], width:2, points:{show:!bar,size:6}, spanGaps:!bar};
                  if(bar){o.fill=SAIF_COLORS[i%10]+'cc'; o.paths=uPlot.paths.bars({size:[0.9, 80]});}
                  return o;}));
              const whiskers={hooks:{draw:[u=>{const c=u.ctx;c.save();c.lineWidth=1.5;c.strokeStyle='#333';
                spec.series.forEach((s,i)=>{if(!s.lo||!s.hi)return;
                  for(let j=0;j<spec.x.length;j++){if(s.lo[j]==null||s.hi[j]==null)continue;
                    const x=u.valToPos(xOf(j,i),'x',true),y0=u.valToPos(s.lo[j],'y',true),y1=u.valToPos(s.hi[j],'y',true);
                    c.beginPath();c.moveTo(x,y0);c.lineTo(x,y1);c.moveTo(x-4,y0);c.lineTo(x+4,y0);c.moveTo(x-4,y1);c.lineTo(x+4,y1);c.stroke();}});
                c.restore();}]}};
              const axes=[bar?{label:spec.xLabel, splits:()=>spec.x, values:(u,vals)=>vals.map(v=>spec.categories[Math.round(v)]||''), size:40}
                             :{label:spec.xLabel, splits:()=>spec.x},
                          {label:spec.yLabel}];
              const scales={x:{time:false, range:bar?[-0.5,spec.x.length-0.5]:undefined}, y:{range:[0,1]}};
              new uPlot({title:spec.title,width:Math.min(900,window.innerWidth-60),height:300,series,axes,scales,
                         legend:{live:false},plugins:[whiskers]},[xs].concat(ys),el);
            }
            """;
}
