package org.saifengine.saif;

import java.util.Locale;

/**
 * One generation of the evaluation: a content under a condition.
 *
 * @param contentIndex index in the evaluation contents
 * @param contentId    the content's id
 * @param method       none | saif | dom | random
 * @param instruction  none | pre | post (the canonical instruction, placed so)
 * @param k            latents (saif, random)
 * @param alpha        SAIF strength
 * @param layer        steering layer
 */
public record EvalJob(int contentIndex, String contentId, String method, String instruction, int k, double alpha, int layer) {

    /** The condition without the content: rows with the same condition are aggregated together. */
    public String condition() {
        return condition(method, instruction, k, alpha, layer);
    }

    public static String condition(String method, String instruction, int k, double alpha, int layer) {
        return method.equals("none") ? "none|" + instruction
                : String.format(Locale.ROOT, "%s|%s|k=%d|alpha=%s|layer=%d", method, instruction, k, alpha, layer);
    }

    public String key() {
        return condition() + "|" + contentId;
    }
}
