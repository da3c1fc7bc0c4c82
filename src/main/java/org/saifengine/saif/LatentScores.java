package org.saifengine.saif;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Per-latent scores over positives P and negatives N (saif-method.md step 2).
 *
 * @param variantIds    instruction variants, in the order of the per-variant arrays
 * @param nPositives    |P|
 * @param nNegatives    |N|
 * @param freqP         share of P where the latent fires
 * @param freqN         share of N where it fires
 * @param freqByVariant [variant][latent] share of that variant's positives where it fires
 * @param meanP         mean activation over P
 * @param meanN         mean activation over N
 * @param meanByVariant [variant][latent] mean activation over that variant's positives
 * @param consistency   min over variants of freqByVariant
 * @param sensitivity   meanP - meanN
 * @param standardized  sensitivity / pooled standard deviation (0 when that is 0)
 */
public record LatentScores(List<String> variantIds, int nPositives, int nNegatives, float[] freqP, float[] freqN,
                           float[][] freqByVariant, float[] meanP, float[] meanN, float[][] meanByVariant,
                           float[] consistency, float[] sensitivity, float[] standardized) {

    public int dSae() {
        return freqP.length;
    }

    /**
     * Top-k latents by the ranking score among those with consistency >= tau and freq_N <= rho (and a positive
     * sensitivity: a latent that is not more active with the instruction cannot steer toward it). Ties go to the
     * lower index, so the result is deterministic.
     */
    public List<Integer> select(int k, double tau, double rho, SaifParams.RankBy rankBy) {
        float[] score = rankBy == SaifParams.RankBy.STANDARDIZED ? standardized : sensitivity;
        List<Integer> candidates = new ArrayList<>();
        for (int j = 0; j < dSae(); j++) if (passes(j, tau, rho)) candidates.add(j);
        candidates.sort(Comparator.<Integer>comparingDouble(j -> -score[j]).thenComparingInt(j -> j));
        return List.copyOf(candidates.subList(0, Math.min(k, candidates.size())));
    }

    /**
     * Whether latent j passes the filters consistency >= tau, freq_N <= rho and sensitivity > 0. The frequencies are
     * floats, so they are compared with tau and rho rounded to float: 8 of 40 negatives (0.2f, a hair above the
     * double 0.2) then passes rho = 0.2 as the method note's "freq_N <= rho" says.
     */
    public boolean passes(int j, double tau, double rho) {
        return consistencyPasses(j, tau) && freqNPasses(j, rho) && sensitivity[j] > 0;
    }

    public boolean consistencyPasses(int j, double tau) {
        return consistency[j] >= (float) tau;
    }

    public boolean freqNPasses(int j, double rho) {
        return freqN[j] <= (float) rho;
    }

    public List<Integer> select(SaifParams p) {
        return select(p.k(), p.tau(), p.rho(), p.rankBy());
    }
}
