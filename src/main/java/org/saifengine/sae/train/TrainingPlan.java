package org.saifengine.sae.train;

import org.saifengine.model.HookPoint;

import java.nio.file.Path;
import java.util.List;

/**
 * What to train on and where the result goes.
 *
 * @param hook             activation site
 * @param train            optimiser settings
 * @param context          tokens per window (BOS included)
 * @param corpusFiles      text / .jsonl files
 * @param generateTokens   tokens of model-generated text added to the corpus
 * @param evalTokens       tokens held out for the final evaluation
 * @param bufferTokens     activations held and shuffled at once
 * @param out              output directory (SAELens format + metrics.json + checkpoint/)
 * @param checkpointEvery  steps between checkpoints (0 = only at the end)
 * @param resume           continue from out/checkpoint when present
 * @param activations      activations collected beforehand from the corpus files ({@link CollectedActivations}), or
 *                         null to run the model for them while training
 */
public record TrainingPlan(HookPoint hook, TrainConfig train, int context, List<Path> corpusFiles, long generateTokens,
                           long evalTokens, int bufferTokens, Path out, long checkpointEvery, boolean resume, Path activations) {
    public TrainingPlan {
        if (context < 4) throw new IllegalArgumentException("context must be at least 4 tokens, got " + context);
        if (generateTokens < 0 || evalTokens < 0) throw new IllegalArgumentException("token counts must be >= 0");
        if (bufferTokens < train.batchSize()) throw new IllegalArgumentException("buffer must hold at least one batch");
        if (activations != null && generateTokens > 0)
            throw new IllegalArgumentException("collected activations cover the corpus files only: use --generate-tokens 0 with --activations");
        corpusFiles = List.copyOf(corpusFiles);
    }

    public TrainingPlan(HookPoint hook, TrainConfig train, int context, List<Path> corpusFiles, long generateTokens,
                        long evalTokens, int bufferTokens, Path out, long checkpointEvery, boolean resume) {
        this(hook, train, context, corpusFiles, generateTokens, evalTokens, bufferTokens, out, checkpointEvery, resume, null);
    }
}
