package org.saifengine.saif.check;

import java.util.List;

/**
 * A one-sentence summary. Strict: exactly one sentence, at most {@code maxWords} words and at most
 * {@code maxLengthRatio} of the content's length, with at least {@code minOverlap} of its content words taken from
 * the content. Loose: the first sentence meets the word limit and the overlap, and the whole output is shorter than
 * the content.
 */
public record SummaryChecker(int maxWords, double minOverlap, double maxLengthRatio) implements Checker {

    @Override
    public CheckResult check(String output, String content) {
        List<String> sentences = Text.sentences(output);
        if (sentences.isEmpty()) return new CheckResult(false, false, "empty output");
        int contentWords = Text.words(content).size();
        int outWords = Text.words(output).size();
        String first = sentences.getFirst();
        int firstWords = Text.words(first).size();
        double firstOverlap = Text.overlap(first, content);
        boolean firstOk = firstWords <= maxWords && firstOverlap >= minOverlap;
        boolean strict = sentences.size() == 1 && firstOk && outWords <= maxLengthRatio * contentWords;
        boolean loose = strict || (firstOk && outWords < contentWords);
        return new CheckResult(strict, loose, String.format(java.util.Locale.ROOT,
                "sentences=%d, words=%d/%d, overlap=%.2f", sentences.size(), outWords, contentWords, firstOverlap));
    }

    @Override
    public String describe() {
        return "summary maxWords=" + maxWords + " minOverlap=" + minOverlap + " maxLengthRatio=" + maxLengthRatio;
    }
}
