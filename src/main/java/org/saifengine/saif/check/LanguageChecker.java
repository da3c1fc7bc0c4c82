package org.saifengine.saif.check;

import java.util.List;

/**
 * The output is in the target language. Strict: the whole output is identified as the target language and so is
 * every sentence of at least {@code minSentenceWords} words. Loose: more than half of those sentences are (the whole
 * output when it has none that long).
 */
public record LanguageChecker(String language, int minSentenceWords) implements Checker {

    public LanguageChecker {
        if (language == null || language.length() != 2) throw new IllegalArgumentException("language checker needs an ISO 639-1 code, got " + language);
    }

    @Override
    public CheckResult check(String output, String content) {
        if (Text.words(output).isEmpty()) return new CheckResult(false, false, "empty output");
        LanguageIdentifier li = LanguageIdentifier.get();
        String whole = li.detect(output);
        List<String> sentences = Text.sentences(output).stream()
                .filter(s -> Text.words(s).size() >= minSentenceWords).toList();
        int hits = 0;
        for (String s : sentences) if (li.detect(s).equals(language)) hits++;
        boolean wholeOk = whole.equals(language);
        boolean strict = wholeOk && hits == sentences.size();
        boolean loose = strict || (sentences.isEmpty() ? wholeOk : 2 * hits > sentences.size());
        return new CheckResult(strict, loose, "whole=" + whole + ", sentences in " + language + ": " + hits + "/" + sentences.size());
    }

    @Override
    public String describe() {
        return "language=" + language;
    }
}
