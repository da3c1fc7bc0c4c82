package org.saifengine.saif;

import org.saifengine.SharedData;
import org.saifengine.io.ModelFiles;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.Positions;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** stories260K with a small SAE fitted on its own activations (shared by the SAIF model tests). */
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

    static TinySae fitSae(EngineSession lm, Task task) throws IOException {
        List<float[]> xs = activations(lm, corpus(lm, task), SAE_LAYER);
        return TinySae.fit(xs, 256, SAE_LAYER, 8, 1500, 64, 1);
    }
}
