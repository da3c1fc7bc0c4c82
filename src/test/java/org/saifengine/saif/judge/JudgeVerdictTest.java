package org.saifengine.saif.judge;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class JudgeVerdictTest {
    @Test
    void parsesTheTwoLinesTheJudgePromptAsksFor() {
        JudgeVerdict v = JudgeVerdict.parse("STRICT: yes\nLOOSE: yes");
        assertTrue(v.parsed() && v.strict() && v.loose());
        v = JudgeVerdict.parse("STRICT: no\nLOOSE: yes\n");
        assertTrue(v.parsed() && !v.strict() && v.loose());
        v = JudgeVerdict.parse("  strict - No.\n  Loose = NO");
        assertTrue(v.parsed() && !v.strict() && !v.loose());
    }

    @Test
    void toleratesMarkdownAndProse() {
        JudgeVerdict v = JudgeVerdict.parse("Here is my grading.\n**Strict:** No\n**Loose:** Yes\nThe response mixes English.");
        assertTrue(v.parsed());
        assertFalse(v.strict());
        assertTrue(v.loose());
    }

    @Test
    void strictPassImpliesLoosePass() {
        JudgeVerdict v = JudgeVerdict.parse("STRICT: yes\nLOOSE: no");
        assertTrue(v.parsed() && v.strict() && v.loose());
    }

    @Test
    void anythingElseIsUnparsedNotAGuess() {
        for (String a : new String[]{"", "yes", "Once upon a time, there was a girl", "STRICT: maybe\nLOOSE: yes",
                "LOOSE: yes", "STRICT yes", "strictly yes\nloosely no", null}) {
            JudgeVerdict v = JudgeVerdict.parse(a);
            assertFalse(v.parsed(), String.valueOf(a));
            assertNull(v.strict());
            assertNull(v.loose());
        }
    }

    @Test
    void thePromptHoldsTheInstructionContentAndOutput() {
        String p = Judge.prompt(new Judge.Item("Translate this into French.", "The cat sat.", "Le chat {content} s'assit."));
        assertTrue(p.contains("Instruction: Translate this into French."));
        assertTrue(p.contains("<<<\nThe cat sat.\n>>>"));
        assertTrue(p.contains("<<<\nLe chat {content} s'assit.\n>>>"), "an output is inserted as it is");
        assertTrue(p.contains("STRICT: yes or no") && p.contains("LOOSE: yes or no"));
        assertEquals(64, Judge.templateHash().length());
    }
}
