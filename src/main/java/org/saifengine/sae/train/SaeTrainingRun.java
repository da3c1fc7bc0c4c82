package org.saifengine.sae.train;

import org.saifengine.io.AtomicFiles;
import org.saifengine.io.Json;
import org.saifengine.io.ProgressBar;
import org.saifengine.model.Model;
import org.saifengine.sae.Sae;
import org.saifengine.sae.format.SaeLensWriter;
import org.saifengine.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

/** Trains a TopK SAE on activations streamed from the model, with progress, checkpoints, resume and a final eval. */
public final class SaeTrainingRun {
    private SaeTrainingRun() {}

    public record Result(Sae sae, SaeMetrics metrics, StepStats last) {}

    public static Result run(Model model, Tokenizer tok, String modelName, TrainingPlan plan, PrintStream log) throws IOException {
        TrainConfig cfg = plan.train();
        int dIn = model.config().hiddenSize();
        if (plan.hook().layer() >= model.config().layers()) {
            throw new IllegalArgumentException("hook " + plan.hook() + " is beyond the model's " + model.config().layers() + " layers");
        }
        AtomicFiles.requireWritable(plan.out());  // before any work: checkpoints go there
        // Corpus: text files, then the model's own text; a shuffled slice is held out for evaluation. Windows are
        // named by index, so that activations collected beforehand (plan.activations()) are found by window.
        List<int[]> windows = Corpus.windows(tok, plan.corpusFiles(), plan.context());
        CollectedActivations collected = plan.activations() == null ? null : openCollected(plan, windows, dIn);
        try {
            if (plan.generateTokens() > 0) {
                log.printf("generating %d tokens of model text...%n", plan.generateTokens());
                windows.addAll(Corpus.generated(model, tok, plan.generateTokens(), plan.context(), cfg.seed() * 7919, 16));
            }
            List<Integer> order = new ArrayList<>(IntStream.range(0, windows.size()).boxed().toList());
            Random r = new Random(cfg.seed());
            Corpus.shuffle(order, r);
            List<int[]> eval = new ArrayList<>();
            long evalHave = 0;
            while (evalHave < plan.evalTokens() && order.size() > 1) {
                int[] w = windows.get(order.removeLast());
                eval.add(w);
                evalHave += w.length - 1;
            }
            long trainTokens = 0;
            for (int w : order) trainTokens += windows.get(w).length - 1;
            log.printf("corpus: %d training windows (%d tokens), %d eval windows (%d tokens)%s%n",
                    order.size(), trainTokens, eval.size(), evalHave, collected == null ? "" : ", activations from " + plan.activations());
            ActivationSource source = collected != null ? collected : ActivationSource.model(model, plan.hook(), windows);
            return train(model, modelName, plan, log, new ActivationStore(source, order, plan.bufferTokens(), cfg.seed() + 1), eval);
        } finally {
            if (collected != null) collected.close();
        }
    }

    private static CollectedActivations openCollected(TrainingPlan plan, List<int[]> windows, int dIn) throws IOException {
        CollectedActivations c = CollectedActivations.open(plan.activations());
        try {
            ActivationShards.Manifest m = c.manifest();
            if (!m.hook().equals(plan.hook().toString()))
                throw new IllegalArgumentException("the activations in " + plan.activations() + " were collected at " + m.hook() + ", not " + plan.hook());
            if (m.dModel() != dIn)
                throw new IllegalArgumentException("the activations in " + plan.activations() + " have d_model " + m.dModel() + ", the model " + dIn);
            c.checkWindows(windows);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static Result train(Model model, String modelName, TrainingPlan plan, PrintStream log, ActivationStore store,
                                List<int[]> eval) throws IOException {
        TrainConfig cfg = plan.train();
        int dIn = model.config().hiddenSize();
        Path ckpt = plan.out().resolve("checkpoint");
        // the first buffer fill runs the model over up to a buffer of tokens before anything trains: show it
        ProgressBar filling = new ProgressBar(log, "", store.fillTarget(), 0, "tok");
        store.onFill(n -> filling.update(n, "filling the activation buffer"));
        TrainState state;
        if (plan.resume() && TrainState.exists(ckpt)) {
            state = TrainState.load(ckpt, dIn, cfg.dSae());
            com.fasterxml.jackson.databind.JsonNode meta = TrainState.readMeta(ckpt);
            com.fasterxml.jackson.databind.JsonNode pos = meta.path("stream");
            if (pos.isObject()) {  // exact: the run continues as if never stopped
                store.restore(new ActivationStore.Position(pos.path("refill").asLong(), pos.path("epoch").asInt(),
                        pos.path("cursor").asInt(), pos.path("windows_run").asLong(), pos.path("buf_pos").asInt()));
            } else {  // a checkpoint from before stream positions were saved
                store.skipWindows(meta.path("windows_run").asLong());
            }
            log.printf("resuming from step %d (%d tokens)%n", state.step(), state.tokensSeen());
        } else {
            float[][] sample = store.nextBatch(Math.min(4096, plan.bufferTokens()));
            state = TopKTrainer.initialise(cfg, dIn, sample);
        }
        store.onFill(null);
        filling.finish();
        TopKTrainer trainer = new TopKTrainer(cfg, dIn, state);
        long totalSteps = cfg.totalSteps();
        ProgressBar progress = new ProgressBar(log, "", totalSteps * cfg.batchSize(), state.tokensSeen(), "tok");
        StepStats last = null;
        double fvuAvg = Double.NaN;
        while (state.step() < totalSteps) {
            last = trainer.step(store.nextBatch(cfg.batchSize()));
            fvuAvg = Double.isNaN(fvuAvg) ? last.fvu() : 0.95 * fvuAvg + 0.05 * last.fvu();
            boolean end = state.step() == totalSteps;
            progress.update(state.tokensSeen(), String.format("fvu %.3f  l0 %.1f  dead %.1f%%  lr %.2e",
                    fvuAvg, last.l0(), 100 * last.deadFraction(), last.lr()));
            if (!Double.isFinite(last.fvu())) throw new IllegalStateException("training diverged (FVU " + last.fvu() + ") at step " + state.step());
            if ((plan.checkpointEvery() > 0 && state.step() % plan.checkpointEvery() == 0) || end) {
                ActivationStore.Position pos = store.position();
                Map<String, Object> stream = new LinkedHashMap<>();
                stream.put("refill", pos.refill());
                stream.put("epoch", pos.epoch());
                stream.put("cursor", pos.cursor());
                stream.put("windows_run", pos.windowsRun());
                stream.put("buf_pos", pos.bufPos());
                Map<String, Object> extra = new LinkedHashMap<>();  // fixed order: identical runs write identical files
                extra.put("windows_run", store.windowsRun());
                extra.put("hook", plan.hook().toString());
                extra.put("stream", stream);
                state.save(ckpt, extra);
            }
        }
        progress.finish();
        Sae sae = trainer.toSae(plan.hook().toString(), modelName);
        SaeMetrics metrics = eval.isEmpty() ? null : SaeEvaluator.evaluate(model, sae, plan.hook(), eval);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("training_tokens", state.tokensSeen());
        meta.put("context_size", plan.context());
        if (metrics != null) meta.put("eval", metrics);
        SaeLensWriter.write(sae, plan.out(), meta);
        if (metrics != null) AtomicFiles.writeString(plan.out().resolve("metrics.json"), Json.pretty(metricsJson(metrics, plan, state)));
        return new Result(sae, metrics, last);
    }

    public static Map<String, Object> metricsJson(SaeMetrics m, TrainingPlan plan, TrainState st) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("fvu", m.fvu());
        j.put("l0", m.l0());
        j.put("dead_fraction", m.deadFraction());
        j.put("ce_loss_recovered", m.ceLossRecovered());
        j.put("ce_clean", m.ceClean());
        j.put("ce_reconstructed", m.ceReconstructed());
        j.put("ce_zero_ablation", m.ceZeroAblation());
        j.put("eval_tokens", m.tokens());
        if (plan != null) {
            j.put("hook", plan.hook().toString());
            j.put("d_sae", plan.train().dSae());
            j.put("k", plan.train().k());
            if (st != null) j.put("training_tokens", st.tokensSeen());
        }
        return j;
    }
}
