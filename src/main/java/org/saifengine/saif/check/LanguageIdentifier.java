package org.saifengine.saif.check;

import com.optimaize.langdetect.DetectedLanguage;
import com.optimaize.langdetect.LanguageDetector;
import com.optimaize.langdetect.LanguageDetectorBuilder;
import com.optimaize.langdetect.ngram.NgramExtractors;
import com.optimaize.langdetect.profiles.LanguageProfileReader;
import com.optimaize.langdetect.text.CommonTextObjectFactories;
import com.optimaize.langdetect.text.TextObjectFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Language identification through optimaize language-detector (n-gram profiles of 71 languages, built in). One
 * detector per process: loading the profiles takes about a second.
 */
public final class LanguageIdentifier {
    private static volatile LanguageIdentifier instance;

    private final LanguageDetector detector;
    private final TextObjectFactory textFactory = CommonTextObjectFactories.forDetectingOnLargeText();

    private LanguageIdentifier() {
        try {
            detector = LanguageDetectorBuilder.create(NgramExtractors.standard())
                    .withProfiles(new LanguageProfileReader().readAllBuiltIn())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the language profiles of language-detector", e);
        }
    }

    public static LanguageIdentifier get() {
        LanguageIdentifier li = instance;
        if (li == null) {
            synchronized (LanguageIdentifier.class) {
                if (instance == null) instance = new LanguageIdentifier();
                li = instance;
            }
        }
        return li;
    }

    /** ISO 639-1 code of the most likely language, or "und" when the text gives no evidence. */
    public String detect(String text) {
        List<DetectedLanguage> probs;
        synchronized (this) {
            probs = detector.getProbabilities(textFactory.forText(text));
        }
        if (probs.isEmpty()) return "und";
        return probs.getFirst().getLocale().getLanguage();
    }
}
