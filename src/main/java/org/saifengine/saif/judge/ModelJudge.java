package org.saifengine.saif.judge;

import org.saifengine.saif.LmSession;

import java.util.ArrayList;
import java.util.List;

/** A judge run by the engine itself: the prompt in the judge model's chat template, greedy, batched. */
public final class ModelJudge implements Judge {
    private final LmSession lm;
    private final String source;
    private final int maxTokens;
    private final boolean owned;

    /**
     * @param lm        the judge model
     * @param source    where it came from (path or 'default'), for the id
     * @param maxTokens cap on each answer
     * @param owned     whether closing the judge closes the model
     */
    public ModelJudge(LmSession lm, String source, int maxTokens, boolean owned) {
        if (maxTokens < 1) throw new IllegalArgumentException("judge max tokens must be >= 1, got " + maxTokens);
        this.lm = lm;
        this.source = source;
        this.maxTokens = maxTokens;
        this.owned = owned;
    }

    @Override
    public String id() {
        return "model:" + source + " (" + lm.modelId() + "), max_tokens " + maxTokens;
    }

    @Override
    public List<String> answers(List<String> prompts) {
        List<LmSession.GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) reqs.add(new LmSession.GenerationRequest(lm.formatPrompt(p), null, maxTokens, 0, 0));
        return lm.generate(reqs);
    }

    @Override
    public void close() {
        if (owned) lm.close();
    }
}
