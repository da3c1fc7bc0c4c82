package org.saifengine.saif.check;

import java.util.Locale;
import java.util.Set;

/**
 * A concept check for story models: the text uses the target pronoun set ("she": she/her/hers/herself, "he":
 * he/him/his/himself). Strict: at least one target pronoun and none of the other set. Loose: more target pronouns
 * than others.
 */
public record PronounChecker(String target) implements Checker {
    static final Set<String> SHE = Set.of("she", "her", "hers", "herself");
    static final Set<String> HE = Set.of("he", "him", "his", "himself");

    public PronounChecker {
        if (!"she".equals(target) && !"he".equals(target)) throw new IllegalArgumentException("pronoun target must be she or he, got " + target);
    }

    /** Counts {she-set, he-set} words in the text. */
    public static int[] counts(String text) {
        int she = 0, he = 0;
        for (String w : Text.words(text)) {
            String l = w.toLowerCase(Locale.ROOT);
            if (SHE.contains(l)) she++;
            else if (HE.contains(l)) he++;
        }
        return new int[]{she, he};
    }

    @Override
    public CheckResult check(String output, String content) {
        int[] c = counts(output);
        int mine = target.equals("she") ? c[0] : c[1];
        int other = target.equals("she") ? c[1] : c[0];
        boolean strict = mine > 0 && other == 0;
        return new CheckResult(strict, strict || mine > other, "she=" + c[0] + " he=" + c[1]);
    }

    @Override
    public String describe() {
        return "pronoun " + target;
    }
}
