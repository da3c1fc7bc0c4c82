package org.saifengine.saif;

import org.saifengine.SharedData;
import org.saifengine.io.ModelFiles;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.Positions;
import org.saifengine.sae.Sae;
import org.saifengine.sae.train.TopKTrainer;
import org.saifengine.sae.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** stories260K with a small SAE trained on its own activations (shared by the SAIF model tests). */
final class StoriesFixture {
    static final int SAE_LAYER = 4;

    private StoriesFixture() {}

    static EngineSession open() throws IOException {
        System.setProperty("shared.dir", SharedData.root().toString());
        return EngineSession.open(ModelFiles.fromDirectory(SharedData.stories260K()));
    }

    /** Residual vectors at every position of the texts, at one layer. */
    static List<float[]> activations(EngineSession lm, List<String> texts, int layer) {
        List<float[]> out = new ArrayList<>();
        Model m = lm.model();
        for (String t : texts) {
            int[] ids = lm.encode(t);
            Hooks h = Hooks.builder().capture(HookPoint.residPost(layer), Positions.all(), (s, p, x) -> out.add(x.clone())).build();
            m.forward(List.of(new Model.Input(m.newSequence(ids.length), ids, h)), false);
        }
        return out;
    }

    /** Story text for the SAE: the TinyStories sample, plus the model's own continuations of the concept prompts. */
    static List<String> corpus(EngineSession lm, Task task) throws IOException {
        List<String> texts = new ArrayList<>();
        String sample = Files.readString(SharedData.path("data/text/tinystories_sample.txt"));
        for (String story : sample.split("<\\|endoftext\\|>")) if (!story.isBlank()) texts.add(story.strip());
        List<LmSession.GenerationRequest> reqs = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        for (Content c : ContentSources.load(task)) {
            prompts.add(c.text());
            for (InstructionVariant v : task.variants().subList(0, 3)) prompts.add(PromptBuilder.userText(task, c, v, Placement.POST));
        }
        for (int i = 0; i < prompts.size(); i++) reqs.add(new LmSession.GenerationRequest(prompts.get(i), null, 48, 0.8, i));
        List<String> outs = lm.generate(reqs);
        for (int i = 0; i < prompts.size(); i++) texts.add(prompts.get(i) + " " + outs.get(i));
        return texts;
    }

    /**
     * A TopK SAE (256 latents, k 8) trained with the SAE package's trainer on the model's own layer-4 activations of
     * the corpus above (about 9k vectors, 3000 steps of 64; FVU about 0.13).
     */
    static SaeDictionary fitSae(EngineSession lm, Task task) throws IOException {
        List<float[]> xs = activations(lm, corpus(lm, task), SAE_LAYER);
        TrainConfig cfg = new TrainConfig(256, 8, 64, 64L * 3000, 0, -1, 0.2, 1.0 / 32, 10_000, 1);
        java.util.Random rnd = new java.util.Random(1);
        float[][] sample = new float[Math.min(1024, xs.size())][];
        for (int i = 0; i < sample.length; i++) sample[i] = xs.get(rnd.nextInt(xs.size()));
        TopKTrainer trainer = new TopKTrainer(cfg, lm.dModel(), TopKTrainer.initialise(cfg, lm.dModel(), sample));
        float[][] batch = new float[cfg.batchSize()][];
        for (long step = 0; step < cfg.totalSteps(); step++) {
            for (int b = 0; b < batch.length; b++) batch[b] = xs.get(rnd.nextInt(xs.size()));
            trainer.step(batch);
        }
        Sae sae = trainer.toSae(HookPoint.residPost(SAE_LAYER).toString(), "stories260K");
        return new SaeDictionary(sae, "topk-256-k8@" + HookPoint.residPost(SAE_LAYER), SAE_LAYER);
    }

    /** Fraction of variance unexplained on the given vectors. */
    static double fvu(SaeDictionary sae, List<float[]> xs) {
        int d = xs.getFirst().length;
        float[] mean = new float[d];
        for (float[] x : xs) for (int i = 0; i < d; i++) mean[i] += x[i] / xs.size();
        double se = 0, sv = 0;
        for (float[] x : xs) {
            float[] r = sae.sae().reconstruct(x);
            for (int i = 0; i < d; i++) {
                se += (x[i] - r[i]) * (x[i] - r[i]);
                sv += (x[i] - mean[i]) * (x[i] - mean[i]);
            }
        }
        return se / sv;
    }
}
