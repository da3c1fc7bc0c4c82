package org.saifengine.saif.check;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The rule-based checkers on hand-made outputs. */
class CheckersTest {
    static final String CONTENT = "Honeybees communicate the location of flowers through a movement known as the waggle dance. "
            + "The angle of the dance shows the direction of the food relative to the sun, while its length tells other bees "
            + "how far they must fly.";

    static Checker spec(String type, String key, String value) {
        ObjectNode n = JsonNodeFactory.instance.objectNode().put("type", type);
        if (key != null) n.put(key, value);
        return Checkers.fromSpec(n);
    }

    @Test
    void languageIdentificationSeparatesFrenchSpanishEnglish() {
        LanguageIdentifier li = LanguageIdentifier.get();
        assertEquals("fr", li.detect("Les abeilles indiquent l'emplacement des fleurs grâce à une danse frétillante. L'angle de la danse montre la direction de la nourriture."));
        assertEquals("es", li.detect("Las abejas comunican la ubicación de las flores mediante un movimiento conocido como la danza del meneo."));
        assertEquals("en", li.detect(CONTENT));
    }

    @Test
    void translationCheckerStrictAndLoose() {
        Checker fr = spec("language", "language", "fr");
        String french = "Les abeilles communiquent l'emplacement des fleurs par un mouvement appelé la danse frétillante. "
                + "L'angle de la danse indique la direction de la nourriture par rapport au soleil.";
        CheckResult ok = fr.check(french, CONTENT);
        assertTrue(ok.strict(), ok.detail());
        String mixed = french + " The bees then fly back to the hive and rest for a while before the next trip.";
        CheckResult m = fr.check(mixed, CONTENT);
        assertFalse(m.strict(), m.detail());
        assertTrue(m.loose(), m.detail());
        CheckResult en = fr.check(CONTENT, CONTENT);
        assertFalse(en.loose(), en.detail());
        Checker es = spec("language", "language", "es");
        assertTrue(es.check("Las abejas comunican la ubicación de las flores mediante un movimiento conocido como la danza del meneo.", CONTENT).strict());
        assertFalse(es.check(french, CONTENT).loose());
        assertFalse(fr.check("   ", CONTENT).loose());
    }

    @Test
    void lowercaseAndCapitals() {
        Checker lower = spec("lowercase", null, null);
        assertTrue(lower.check("the waggle dance shows where the flowers are.", CONTENT).strict());
        CheckResult titled = lower.check("Answer:\nthe waggle dance shows where the flowers are.", CONTENT);
        assertFalse(titled.strict());
        assertTrue(titled.loose(), "IFEval's loose variant drops the first line");
        assertFalse(lower.check("The Waggle dance\nShows the way\nTo The flowers", CONTENT).loose());
        assertFalse(lower.check("1234 ...", CONTENT).strict(), "no letter at all never passes");
        Checker caps = spec("capitals", null, null);
        assertTrue(caps.check("THE WAGGLE DANCE SHOWS WHERE THE FLOWERS ARE!", CONTENT).strict());
        assertFalse(caps.check("THE WAGGLE DANCE shows WHERE THE FLOWERS ARE", CONTENT).loose());
        assertTrue(caps.check("**THE ANSWER**: THE DANCE.\nI hope this helps", CONTENT).loose());
    }

    @Test
    void jsonFollowsIfeval() {
        Checker json = spec("json", null, null);
        assertTrue(json.check("{\"topic\": \"bees\", \"keywords\": [\"dance\", \"flowers\"]}", CONTENT).strict());
        assertTrue(json.check("```json\n{\"topic\": \"bees\"}\n```", CONTENT).strict());
        assertFalse(json.check("{\"topic\": \"bees\"", CONTENT).loose());
        assertFalse(json.check("{\"a\": 1} and some words", CONTENT).loose());
        CheckResult wrapped = json.check("Here is the JSON:\n{\"topic\": \"bees\"}", CONTENT);
        assertFalse(wrapped.strict());
        assertTrue(wrapped.loose());
    }

    @Test
    void noCommas() {
        Checker nc = spec("no-commas", null, null);
        assertTrue(nc.check("Bees dance to show where food is. The angle points the way.", CONTENT).strict());
        assertFalse(nc.check("Bees dance, and the angle points the way.", CONTENT).loose());
        CheckResult lastLine = nc.check("Bees dance to show the way.\nThanks, bye", CONTENT);
        assertFalse(lastLine.strict());
        assertTrue(lastLine.loose());
    }

    @Test
    void keywords() {
        Checker kw = spec("keywords", null, null);
        assertTrue(kw.check("honeybees, waggle dance, flowers, direction, sun", CONTENT).strict());
        assertTrue(kw.check("honeybees, waggle dance, flowers.", CONTENT).strict());
        CheckResult six = kw.check("honeybees, waggle dance, flowers, direction, sun, food", CONTENT);
        assertFalse(six.loose(), "six keywords is more than five");
        assertFalse(kw.check("The text is about honeybees and how they dance to show where flowers are.", CONTENT).loose());
        CheckResult labelled = kw.check("Sure! Here are the keywords:\nKeywords: honeybees, waggle dance, flowers", CONTENT);
        assertFalse(labelled.strict());
        assertTrue(labelled.loose(), labelled.detail());
        assertFalse(kw.check("cars, trains, planes", CONTENT).strict(), "keywords must come from the content");
    }

    @Test
    void summary() {
        Checker sum = spec("summary", null, null);
        CheckResult one = sum.check("Honeybees use the waggle dance to show other bees the direction and distance of flowers.", CONTENT);
        assertTrue(one.strict(), one.detail());
        CheckResult two = sum.check("Honeybees use the waggle dance to show other bees where flowers are. It is amazing.", CONTENT);
        assertFalse(two.strict());
        assertTrue(two.loose(), two.detail());
        assertFalse(sum.check("The stock market fell sharply today as investors worried about interest rates.", CONTENT).loose());
        assertFalse(sum.check(CONTENT, CONTENT).loose(), "a copy of the content is no summary");
    }

    @Test
    void pronounsAndBadSpecs() {
        Checker she = spec("pronoun", "target", "she");
        assertTrue(she.check("She went home and her mom smiled.", "").strict());
        CheckResult mixed = she.check("She saw him. She and her friend ran.", "");
        assertFalse(mixed.strict());
        assertTrue(mixed.loose());
        assertFalse(she.check("He ran to his dog.", "").loose());
        var e = assertThrows(IllegalArgumentException.class, () -> spec("sparkle", null, null));
        assertTrue(e.getMessage().contains("unknown checker type 'sparkle'"));
        assertThrows(IllegalArgumentException.class, () -> spec("language", "language", "french"));
    }
}
