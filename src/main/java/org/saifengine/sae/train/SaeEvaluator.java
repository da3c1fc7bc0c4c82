package org.saifengine.sae.train;

import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Model;
import org.saifengine.model.Positions;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SparseCode;

import java.util.ArrayList;
import java.util.List;

/**
 * Measures an SAE on token windows: reconstruction (FVU), sparsity (L0), dead latents, and CE loss recovered, with
 * the reconstruction spliced into the forward pass by a replace-intervention at the hook. Every position but the
 * first (BOS) is replaced, and the loss is taken over the predictions those positions make.
 */
public final class SaeEvaluator {
    private SaeEvaluator() {}

    public static SaeMetrics evaluate(Model model, Sae sae, HookPoint hook, List<int[]> windows) {
        int dIn = sae.dIn();
        if (model.config().hiddenSize() != dIn) {
            throw new IllegalArgumentException("the SAE reads d_in=" + dIn + " but the model's residual width is " + model.config().hiddenSize());
        }
        boolean[] fired = new boolean[sae.dSae()];
        double sse = 0, l0 = 0;
        long tokens = 0;
        double[] sum = new double[dIn];
        double sumSq = 0;
        double ceClean = 0, ceRecon = 0, ceZero = 0;
        long ceCount = 0;
        int group = 8;
        for (int g0 = 0; g0 < windows.size(); g0 += group) {
            List<int[]> batch = windows.subList(g0, Math.min(windows.size(), g0 + group));
            // Clean run: capture the activations and their reconstructions.
            List<List<float[]>> acts = new ArrayList<>();
            List<Model.Input> clean = new ArrayList<>();
            for (int[] ids : batch) {
                List<float[]> mine = new ArrayList<>();
                acts.add(mine);
                clean.add(new Model.Input(model.newSequence(ids.length), ids,
                        Hooks.builder().capture(hook, Positions.from(1), (s, p, x) -> mine.add(x.clone())).build()));
            }
            float[][] logitsClean = model.forward(clean, true);
            for (List<float[]> a : acts) {
                float[][] xs = a.toArray(new float[0][]);
                SparseCode[] codes = sae.encode(xs);
                for (int t = 0; t < xs.length; t++) {
                    float[] r = sae.decode(codes[t]);
                    for (int d = 0; d < dIn; d++) {
                        double e = xs[t][d] - r[d];
                        sse += e * e;
                        sum[d] += xs[t][d];
                        sumSq += (double) xs[t][d] * xs[t][d];
                    }
                    l0 += codes[t].size();
                    for (int j : codes[t].indices()) fired[j] = true;
                }
                tokens += xs.length;
            }
            List<Model.Input> recon = new ArrayList<>(), zero = new ArrayList<>();
            for (int[] ids : batch) {
                recon.add(new Model.Input(model.newSequence(ids.length), ids, Hooks.builder().edit(hook, Positions.from(1), (p, x) -> {
                    float[] r = sae.reconstruct(x);
                    System.arraycopy(r, 0, x, 0, x.length);
                }).build()));
                zero.add(new Model.Input(model.newSequence(ids.length), ids,
                        Hooks.builder().edit(hook, Positions.from(1), (p, x) -> java.util.Arrays.fill(x, 0f)).build()));
            }
            float[][] logitsRecon = model.forward(recon, true);
            float[][] logitsZero = model.forward(zero, true);
            int vocab = model.config().vocabSize();
            for (int w = 0; w < batch.size(); w++) {
                int[] ids = batch.get(w);
                for (int p = 1; p + 1 < ids.length; p++) {
                    ceClean += crossEntropy(logitsClean[w], p * vocab, vocab, ids[p + 1]);
                    ceRecon += crossEntropy(logitsRecon[w], p * vocab, vocab, ids[p + 1]);
                    ceZero += crossEntropy(logitsZero[w], p * vocab, vocab, ids[p + 1]);
                    ceCount++;
                }
            }
        }
        if (tokens == 0 || ceCount == 0) throw new IllegalArgumentException("evaluation needs windows of at least 3 tokens");
        double totalVar = sumSq;
        for (int d = 0; d < dIn; d++) totalVar -= sum[d] * sum[d] / tokens;
        int dead = 0;
        for (boolean f : fired) if (!f) dead++;
        ceClean /= ceCount;
        ceRecon /= ceCount;
        ceZero /= ceCount;
        double recovered = (ceZero - ceRecon) / (ceZero - ceClean);
        return new SaeMetrics(sse / totalVar, l0 / tokens, (double) dead / sae.dSae(), ceClean, ceRecon, ceZero, recovered, tokens);
    }

    /** -log softmax(logits)[target], computed stably in double. */
    static double crossEntropy(float[] logits, int off, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[off + i] - max);
        return Math.log(sum) + max - logits[off + target];
    }
}
