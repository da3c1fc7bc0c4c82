package org.saifengine.saif;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.AtomicFiles;
import org.saifengine.io.Json;
import org.saifengine.saif.check.Text;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code saif explain}: the logit lens of each selected latent's decoder row (top tokens after the final norm's
 * scale and the unembedding), whether instruction words rank among them, and the cosine similarity between the
 * selected decoder rows (redundancy). Writes explain.json.
 */
public final class Explain {
    private Explain() {}

    public record LatentTokens(int latent, List<String> tokens, List<Double> logits, List<Boolean> instructionWord,
                               int firstInstructionRank) {}

    public record Result(List<LatentTokens> latents, float[][] cosine, Set<String> instructionWords) {}

    public static Result compute(SaifRun run, Task task, LmSession lm, int topN) {
        Set<String> words = instructionWords(task);
        List<Integer> selected = run.selected(run.params().k());
        List<LatentTokens> out = new ArrayList<>();
        for (int r = 0; r < selected.size(); r++) {
            float[] logits = lm.logitLens(run.decoder()[r]);
            int[] top = topIndices(logits, topN);
            List<String> toks = new ArrayList<>();
            List<Double> vals = new ArrayList<>();
            List<Boolean> flags = new ArrayList<>();
            int first = -1;
            for (int i = 0; i < top.length; i++) {
                String t = lm.tokenText(top[i]);
                boolean flag = isInstructionWord(t, words);
                if (flag && first < 0) first = i;
                toks.add(t);
                vals.add((double) logits[top[i]]);
                flags.add(flag);
            }
            out.add(new LatentTokens(selected.get(r), toks, vals, flags, first));
        }
        float[][] cos = new float[selected.size()][selected.size()];
        for (int a = 0; a < selected.size(); a++)
            for (int b = 0; b < selected.size(); b++) cos[a][b] = cosine(run.decoder()[a], run.decoder()[b]);
        return new Result(out, cos, words);
    }

    public static void write(SaifRun run, Result r) throws IOException {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("task", run.task());
        ArrayNode words = n.putArray("instruction_words");
        r.instructionWords().stream().sorted().forEach(words::add);
        ArrayNode ls = n.putArray("latents");
        for (LatentTokens t : r.latents()) {
            ObjectNode o = ls.addObject();
            o.put("latent", t.latent()).put("first_instruction_word_rank", t.firstInstructionRank());
            ArrayNode top = o.putArray("top_tokens");
            for (int i = 0; i < t.tokens().size(); i++)
                top.addObject().put("token", t.tokens().get(i)).put("logit", t.logits().get(i)).put("instruction_word", t.instructionWord().get(i));
        }
        ArrayNode cos = n.putArray("decoder_cosine");
        for (float[] row : r.cosine()) {
            ArrayNode a = cos.addArray();
            for (float v : row) a.add(v);
        }
        AtomicFiles.writeString(run.dir().resolve(RunFiles.EXPLAIN), Json.pretty(n) + "\n");
    }

    /** Content words (3+ letters, lower case) of every wording of the instruction, plus the task's name parts. */
    static Set<String> instructionWords(Task task) {
        Set<String> w = new HashSet<>();
        for (InstructionVariant v : task.variants())
            for (String word : Text.words(v.text())) if (word.length() >= 3) w.add(word.toLowerCase(Locale.ROOT));
        for (String part : task.name().split("[-_]")) if (part.length() >= 3) w.add(part.toLowerCase(Locale.ROOT));
        w.removeAll(Set.of("this", "the", "text", "your", "you", "and", "into", "with", "please", "can", "give", "that",
                "are", "all", "any", "only", "entire", "whole", "make", "sure", "what", "write", "response", "answer"));
        return w;
    }

    /**
     * A token matches an instruction word when its letters (at least 3) start the word or the word starts it, or
     * when both share a prefix of at least 5 letters ("translation" ~ "translate", "traduce" ~ "traduire").
     */
    static boolean isInstructionWord(String token, Set<String> words) {
        // byte-level BPE writes a leading space as 'Ġ' and a newline as 'Ċ' (both letters to Unicode): drop them first
        String t = token.replace('Ġ', ' ').replace('Ċ', ' ').replaceAll("[^\\p{L}]", "").toLowerCase(Locale.ROOT);
        if (t.length() < 3) return false;
        for (String w : words) {
            if (w.startsWith(t) || t.startsWith(w)) return true;
            int common = 0;
            while (common < Math.min(t.length(), w.length()) && t.charAt(common) == w.charAt(common)) common++;
            if (common >= 5) return true;
        }
        return false;
    }

    static int[] topIndices(float[] v, int n) {
        n = Math.min(n, v.length);
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (a, b) -> v[a] != v[b] ? Float.compare(v[b], v[a]) : Integer.compare(a, b));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = idx[i];
        return out;
    }

    static float cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0f : (float) (dot / Math.sqrt(na * nb));
    }

    public static String table(Result r) {
        StringBuilder sb = new StringBuilder();
        for (LatentTokens t : r.latents()) {
            sb.append(String.format(Locale.ROOT, "#%-7d", t.latent()));
            for (int i = 0; i < t.tokens().size(); i++) {
                String tok = t.tokens().get(i).replace("\n", "\\n");
                sb.append(' ').append(t.instructionWord().get(i) ? "[" + tok + "]" : tok);
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
