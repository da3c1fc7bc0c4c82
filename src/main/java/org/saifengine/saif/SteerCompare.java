package org.saifengine.saif;

import org.saifengine.steer.Positions;
import org.saifengine.steer.SteeringPlan;
import org.saifengine.steer.StrengthSchedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code saif steer}: the same prompt generated without and with the run's SAIF vector. */
public final class SteerCompare {
    private SteerCompare() {}

    public record Result(String prompt, String unsteered, String steered, int k, double alpha, int layer, double norm) {}

    public static Result run(SaifRun run, LmSession lm, String userText, boolean chat, int k, double alpha, int layer,
                             Positions positions, int fromStep, boolean renormalize, int maxTokens, double temperature, long seed) {
        return run(run, lm, userText, chat, k, alpha, layer, positions, fromStep, StrengthSchedule.CONSTANT, renormalize,
                maxTokens, temperature, seed);
    }

    public static Result run(SaifRun run, LmSession lm, String userText, boolean chat, int k, double alpha, int layer,
                             Positions positions, int fromStep, StrengthSchedule schedule, boolean renormalize,
                             int maxTokens, double temperature, long seed) {
        run.checkLayer(layer);
        float[] v = run.saifVector(k, alpha);
        SteeringPlan plan = SaifRun.plan(v, layer, positions, fromStep, schedule, renormalize);
        String prompt = chat ? lm.formatPrompt(userText) : userText;
        List<LmSession.GenerationRequest> reqs = new ArrayList<>();
        reqs.add(new LmSession.GenerationRequest(prompt, null, maxTokens, temperature, seed));
        reqs.add(new LmSession.GenerationRequest(prompt, plan, maxTokens, temperature, seed));
        List<String> outs = lm.generate(reqs);
        return new Result(prompt, outs.get(0), outs.get(1), Math.min(k, run.ranking().size()), alpha, layer, SteeringPlan.norm(v));
    }

    /** Two columns, wrapped to the given width each. */
    public static String sideBySide(String leftTitle, String left, String rightTitle, String right, int width) {
        List<String> a = wrap(left, width), b = wrap(right, width);
        StringBuilder sb = new StringBuilder();
        String fmt = "%-" + width + "s | %s%n";
        sb.append(String.format(Locale.ROOT, fmt, leftTitle, rightTitle));
        sb.append("-".repeat(width)).append("-+-").append("-".repeat(width)).append('\n');
        for (int i = 0; i < Math.max(a.size(), b.size()); i++)
            sb.append(String.format(Locale.ROOT, fmt, i < a.size() ? a.get(i) : "", i < b.size() ? b.get(i) : ""));
        return sb.toString();
    }

    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        for (String para : text.split("\n", -1)) {
            StringBuilder line = new StringBuilder();
            for (String word : para.split(" ")) {
                while (word.length() > width) {
                    if (!line.isEmpty()) {
                        lines.add(line.toString());
                        line.setLength(0);
                    }
                    lines.add(word.substring(0, width));
                    word = word.substring(width);
                }
                if (line.length() + word.length() + (line.isEmpty() ? 0 : 1) > width) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                if (!line.isEmpty()) line.append(' ');
                line.append(word);
            }
            lines.add(line.toString());
        }
        return lines;
    }
}
