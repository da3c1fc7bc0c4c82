package org.saifengine.saif;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.AtomicFiles;
import org.saifengine.io.Json;
import org.saifengine.io.ProgressBar;
import org.saifengine.io.SafetensorsWriter;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code saif find}: runs the positives (content + each instruction variant) and negatives (content alone) of the
 * discovery contents, reads the SAE latents at the read position, scores and selects latents (saif-method.md step
 * 2), and also accumulates the dense difference of means at every layer (for the Stolfo et al. comparison). Writes
 * config.json, latents.json, directions.safetensors and find-report.html.
 */
public final class FindRun {
    private FindRun() {}

    /** How many ranked latents are kept for the k sweep (the largest k swept, at least params.k). */
    public static int rankingSize(SaifParams p) {
        return Math.max(p.k(), SaifParams.K_SWEEP.getLast());
    }

    public record Result(LatentScores scores, List<Integer> ranking, List<Integer> selected) {}

    public static Result run(LmSession lm, LatentDictionary sae, Task task, TaskContents contents, SaifParams p,
                             ObjectNode sources, Path out) throws IOException {
        FindPartial acc = FindPartial.empty(lm, sae, task, p);
        List<Content> disc = discovery(contents, p);
        // Resumable: the statistics so far are checkpointed (atomically) at most every CHECKPOINT_NANOS; a rerun
        // of the same command continues after the last content checkpointed and ends with identical files.
        Path ckpt = out.resolve(RunFiles.FIND_CHECKPOINT);
        AtomicFiles.requireWritable(out);  // before any forward pass
        String identity = Json.write(Json.MAPPER.createObjectNode().put("task", task.name()).put("model", lm.modelId())
                .put("sae", sae.id()).put("sae_layer", sae.layer()).put("d_sae", sae.dSae()).put("contents", disc.size())
                .set("params", p.toJson()));
        int done = 0;
        if (Files.isRegularFile(ckpt)) {
            FindCheckpoint c = FindCheckpoint.read(ckpt);
            if (!c.identity().equals(identity))
                throw new IllegalArgumentException(ckpt + " is from a find run with other settings; delete it to start over, "
                        + "or rerun with the same options to continue it");
            acc = c.partial();
            done = c.contentsDone();
        }
        int per = task.variants().size() + 1;
        ProgressBar bar = new ProgressBar(System.err, "find " + task.name(), (long) disc.size() * per, (long) done * per, "");
        long saved = System.nanoTime();
        for (int i = done; i < disc.size(); i++) {
            acc.add(lm, sae, task, disc.get(i), p);
            bar.update((long) (i + 1) * per, "");
            if (System.nanoTime() - saved >= CHECKPOINT_NANOS && i + 1 < disc.size()) {
                new FindCheckpoint(identity, i + 1, acc).write(ckpt);
                saved = System.nanoTime();
            }
        }
        Result r = write(acc, sae, task, contents, p, sources, out);
        Files.deleteIfExists(ckpt);
        return r;
    }

    /** Least time between two find checkpoints: 1 s, or the system property saif.find.checkpointSeconds (tests: 0). */
    static final long CHECKPOINT_NANOS = (long) (1e9 * Double.parseDouble(System.getProperty("saif.find.checkpointSeconds", "1")));

    /** saif find's state between contents: the settings it belongs to, how many contents are in, the statistics. */
    record FindCheckpoint(String identity, int contentsDone, FindPartial partial) {
        void write(Path file) throws IOException {
            AtomicFiles.write(file, out -> {
                java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(out);
                o.writeUTF(identity);
                o.writeInt(contentsDone);
                o.writeObject(partial);
                o.flush();
            });
        }

        static FindCheckpoint read(Path file) throws IOException {
            try (var in = new java.io.ObjectInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
                // Only the accumulator's own classes: a checkpoint file must not be able to instantiate anything else.
                in.setObjectInputFilter(java.io.ObjectInputFilter.Config.createFilter(
                        "org.saifengine.saif.FindPartial;org.saifengine.saif.LatentStats;java.util.*;java.lang.*;[D;[I;[[D;[[I;[J;[Ljava.lang.Object;maxdepth=12;!*"));
                String id = in.readUTF();
                int done = in.readInt();
                Object o = in.readObject();
                if (!(o instanceof FindPartial fp)) throw new java.io.InvalidObjectException("not a find checkpoint");
                return new FindCheckpoint(id, done, fp);
            } catch (ClassNotFoundException | java.io.ObjectStreamException | java.io.EOFException e) {
                throw new org.saifengine.io.InvalidFileException(file + " is not a readable find checkpoint (" + e.getMessage()
                        + "); delete it to start the find over");
            }
        }
    }

    /** The discovery contents a find run uses (the first maxDiscoveryContents, or all). */
    public static List<Content> discovery(TaskContents contents, SaifParams p) {
        List<Content> disc = contents.discovery();
        if (p.maxDiscoveryContents() > 0 && disc.size() > p.maxDiscoveryContents()) disc = disc.subList(0, p.maxDiscoveryContents());
        return disc;
    }

    /**
     * Scores and selects latents from the accumulated statistics and writes the run directory (config.json,
     * latents.json, directions.safetensors, find-report.html). Needs the SAE (for the decoder rows) but not the model.
     */
    public static Result write(FindPartial acc, LatentDictionary sae, Task task, TaskContents contents, SaifParams p,
                               ObjectNode sources, Path out) throws IOException {
        Files.createDirectories(out);
        List<Content> disc = discovery(contents, p);
        List<InstructionVariant> variants = task.variants();
        int layers = acc.layers(), d = acc.dModel();
        String modelId = acc.modelId();
        LatentScores scores = acc.scores();
        List<Integer> ranking = scores.select(rankingSize(p), p.tau(), p.rho(), p.rankBy());
        List<Integer> selected = ranking.subList(0, Math.min(p.k(), ranking.size()));
        if (selected.isEmpty())
            System.err.println("warning: no latent passed consistency >= " + p.tau() + " and freq_N <= " + p.rho()
                    + "; loosen --tau/--rho or use more discovery contents");
        float[][] dom = acc.differenceOfMeans();

        ObjectNode config = Json.MAPPER.createObjectNode();
        config.put("command", "find").put("task", task.name()).put("task_description", task.description());
        config.set("sources", sources);
        config.put("model_id", modelId).put("sae_id", sae.id()).put("layers", layers).put("d_model", d)
                .put("sae_layer", sae.layer()).put("hook_point", "blocks." + sae.layer() + ".hook_resid_post")
                .put("d_sae", sae.dSae());
        config.set("params", p.toJson());
        ArrayNode discIds = config.putArray("discovery_contents");
        disc.forEach(c -> discIds.add(c.id()));
        config.put("evaluation_contents", contents.evaluation().size());
        AtomicFiles.writeString(out.resolve(RunFiles.CONFIG), Json.pretty(config) + "\n");

        ObjectNode lat = Json.MAPPER.createObjectNode();
        lat.put("task", task.name()).put("model_id", modelId).put("sae_id", sae.id()).put("layer", sae.layer())
                .put("n_positives", scores.nPositives()).put("n_negatives", scores.nNegatives());
        lat.set("params", p.toJson());
        ArrayNode vs = lat.putArray("variants");
        for (InstructionVariant v : variants) vs.addObject().put("id", v.id()).put("language", v.language()).put("text", v.text());
        int passing = 0;
        for (int j = 0; j < scores.dSae(); j++)
            if (scores.passes(j, p.tau(), p.rho())) passing++;
        lat.put("candidates_passing_filters", passing);
        ArrayNode sel = lat.putArray("selected");
        for (int r = 0; r < selected.size(); r++) sel.add(latentJson(scores, selected.get(r), r));
        ArrayNode rank = lat.putArray("ranking");
        for (int r = 0; r < ranking.size(); r++) rank.add(latentJson(scores, ranking.get(r), r));
        ArrayNode top = lat.putArray("top_by_sensitivity_unfiltered");
        for (int j : scores.select(20, 0, 1, p.rankBy())) {
            ObjectNode o = latentJson(scores, j, -1);
            List<String> why = new ArrayList<>();
            if (!scores.consistencyPasses(j, p.tau())) why.add("consistency < tau");
            if (!scores.freqNPasses(j, p.rho())) why.add("freq_N > rho");
            if (!(scores.sensitivity()[j] > 0)) why.add("sensitivity <= 0");
            o.put("excluded_by", String.join(", ", why));
            top.add(o);
        }
        AtomicFiles.writeString(out.resolve(RunFiles.LATENTS), Json.pretty(lat) + "\n");

        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (int l = 0; l < layers; l++) tensors.put("dom." + l, Tensor.ofFloats(arena, dom[l], d));
            if (!ranking.isEmpty()) {
                float[] rows = new float[ranking.size() * d];
                float[] coef = new float[ranking.size()];
                for (int r = 0; r < ranking.size(); r++) {
                    System.arraycopy(sae.decoderRow(ranking.get(r)), 0, rows, r * d, d);
                    coef[r] = scores.meanP()[ranking.get(r)];
                }
                tensors.put("saif.decoder", Tensor.ofFloats(arena, rows, ranking.size(), d));
                tensors.put("saif.coef", Tensor.ofFloats(arena, coef, ranking.size()));
            }
            SafetensorsWriter.write(out.resolve(RunFiles.DIRECTIONS), tensors, Map.of("format", "saif-directions", "task", task.name()));
        }
        AtomicFiles.writeString(out.resolve(RunFiles.FIND_REPORT), findReport(task, modelId, sae, scores, ranking, selected, p));
        return new Result(scores, ranking, selected);
    }

    static ObjectNode latentJson(LatentScores s, int j, int rank) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        if (rank >= 0) o.put("rank", rank);
        o.put("latent", j).put("sensitivity", s.sensitivity()[j]).put("standardized", s.standardized()[j])
                .put("consistency", s.consistency()[j]).put("freq_p", s.freqP()[j]).put("freq_n", s.freqN()[j])
                .put("mean_p", s.meanP()[j]).put("mean_n", s.meanN()[j]);
        ArrayNode fv = o.putArray("freq_by_variant"), mv = o.putArray("mean_by_variant");
        for (int v = 0; v < s.variantIds().size(); v++) {
            fv.add(s.freqByVariant()[v][j]);
            mv.add(s.meanByVariant()[v][j]);
        }
        return o;
    }

    static String findReport(Task task, String modelId, LatentDictionary sae, LatentScores s, List<Integer> ranking,
                             List<Integer> selected, SaifParams p) throws IOException {
        HtmlReport r = new HtmlReport("SAIF find: " + task.name() + " on " + modelId);
        r.paragraph(String.format(Locale.ROOT, "SAE %s at layer %d (d_sae %d). %d positives, %d negatives, %d variants. "
                        + "Selection: top-%d by %s among latents with consistency >= %.2f and freq_N <= %.2f; %d selected.",
                sae.id(), sae.layer(), sae.dSae(), s.nPositives(), s.nNegatives(), s.variantIds().size(), p.k(),
                p.rankBy().name().toLowerCase(Locale.ROOT), p.tau(), p.rho(), selected.size()));
        List<String> rows = new ArrayList<>();
        float[][] freq = new float[ranking.size()][], mean = new float[ranking.size()][];
        for (int r2 = 0; r2 < ranking.size(); r2++) {
            int j = ranking.get(r2);
            rows.add((r2 < selected.size() ? "* " : "") + "#" + j);
            freq[r2] = new float[s.variantIds().size()];
            mean[r2] = new float[s.variantIds().size()];
            for (int v = 0; v < s.variantIds().size(); v++) {
                freq[r2][v] = s.freqByVariant()[v][j];
                mean[r2][v] = s.meanByVariant()[v][j];
            }
        }
        r.heading("Firing frequency per variant (latents x variants; * = selected)");
        r.heatmap("freq_v(j)", rows, s.variantIds(), freq);
        r.heading("Mean activation per variant");
        r.heatmap("mean_v(a_j)", rows, s.variantIds(), mean);
        r.heading("Scores");
        List<List<String>> table = new ArrayList<>();
        for (int j : ranking)
            table.add(List.of("#" + j, f(s.sensitivity()[j]), f(s.standardized()[j]), f(s.consistency()[j]), f(s.freqP()[j]),
                    f(s.freqN()[j]), f(s.meanP()[j]), f(s.meanN()[j])));
        r.table(List.of("latent", "sensitivity", "standardized", "consistency", "freq_P", "freq_N", "mean_P", "mean_N"), table);
        return r.render();
    }

    static String f(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
