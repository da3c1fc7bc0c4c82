package org.saifengine.saif;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ExplainTest {
    @Test
    void instructionWordsComeFromEveryWordingAndMatchTokenPieces() throws Exception {
        Task fr = TaskSuite.load("translate-fr");
        Set<String> words = Explain.instructionWords(fr);
        assertTrue(words.containsAll(Set.of("translate", "french", "traduce", "francés", "übersetze")), words.toString());
        assertFalse(words.contains("this"));
        assertTrue(Explain.isInstructionWord("▁French", words));
        assertTrue(Explain.isInstructionWord("Ġtranslation", words));
        assertTrue(Explain.isInstructionWord(" tradu", words));
        assertFalse(Explain.isInstructionWord("Ġthe", words));
        assertFalse(Explain.isInstructionWord("ing", words));
        assertFalse(Explain.isInstructionWord("▁banana", words));
    }

    @Test
    void topIndicesAndCosine() {
        assertArrayEquals(new int[]{2, 0}, Explain.topIndices(new float[]{1, -1, 3, 1}, 2));
        assertEquals(1f, Explain.cosine(new float[]{1, 2}, new float[]{2, 4}), 1e-6f);
        assertEquals(0f, Explain.cosine(new float[]{1, 0}, new float[]{0, 5}), 1e-6f);
    }

    @Test
    void sideBySideWrapsBothColumns() {
        String t = SteerCompare.sideBySide("a", "one two three four five", "b", "x", 9);
        assertTrue(t.lines().allMatch(l -> l.length() <= 9 + 3 + 9), t);
        assertTrue(t.contains("one two"));
        assertEquals(5, t.lines().count(), t);
    }
}
