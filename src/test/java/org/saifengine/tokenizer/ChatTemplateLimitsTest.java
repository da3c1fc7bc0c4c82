package org.saifengine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile chat templates (issue 9) end in one clear IllegalArgumentException within seconds instead of hanging or
 * exhausting memory: nested loops, exponential strings, huge output, deep macro recursion, deep nesting.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChatTemplateLimitsTest {
    private static final List<ChatMessage> CHAT = List.of(new ChatMessage("user", "Hi"));

    private static void assertErrorContains(String template, String expected) {
        String m = error(template);
        assertTrue(m.contains(expected), m);
    }

    private static String error(String template) {
        var e = assertThrows(IllegalArgumentException.class, () -> new JinjaChatTemplate(template, "<s>", "</s>").render(CHAT, true));
        return e.getMessage();
    }

    @Test
    void nestedLoopsWithoutOutputStopAtTheIterationBudget() {
        String m = error("{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{% for d in range(1000) %}"
                + "{% endfor %}{% endfor %}{% endfor %}{% endfor %}");
        assertTrue(m.contains("more than 200000 loop iterations"), m);
    }

    @Test
    void outputBeyondTheLimitIsRefused() {
        // 100k iterations (within the loop budget) of 30 characters: 3M characters
        String m = error("{% for a in range(100) %}{% for b in range(1000) %}{{ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }}{% endfor %}{% endfor %}");
        assertTrue(m.contains("OutputTooBig") || m.contains("output"), m);
    }

    @Test
    void exponentialStringIsRefused() {
        String m = error("{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}");
        assertTrue(m.contains("OutputTooBig") || m.contains("string"), m);
    }

    @Test
    void recursiveMacroIsRefused() {
        // jinjava refuses recursive macro calls: the call renders nothing (no hang, no StackOverflowError)
        assertEquals("", new JinjaChatTemplate("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "<s>", "</s>").render(CHAT, true));
    }

    @Test
    void deepBracketsAreRefusedBeforeParsing() {
        // jinjava's parser needed over ten minutes for this one
        String m = error("{{ " + "(".repeat(20000) + "1" + ")".repeat(20000) + " }}");
        assertTrue(m.contains("brackets nest deeper than 100"), m);
        assertTrue(error("{{ " + "[".repeat(101) + "]".repeat(101) + " }}").contains("brackets nest"));
        assertEquals("1", new JinjaChatTemplate("{{ " + "(".repeat(50) + "1" + ")".repeat(50) + " }}", "<s>", "</s>").render(CHAT, true));
    }

    @Test
    @Timeout(value = 2, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void renderStopsAtTheFirstFatalError() {
        // jinjava renders on after an error: this broken expression was parsed and failed 200,000 times (5 s, found
        // by ChatTemplateFuzzTest); FailFastInterpreter stops at the first failure, which is the one reported
        String m = error("{% for a in range(400) %}{% for b in range(500) %}{{ 1 + }}{% endfor %}{% endfor %}");
        assertTrue(m.startsWith("chat template error: Error parsing '1 +'"), m);
    }

    @Test
    void stringMethodsAreBounded() {
        // split('') looped adding empty strings until the heap ran out (found by ChatTemplateFuzzTest); Python says
        // "empty separator". replace('', x) and join multiply lengths outside jinjava's own string-length check.
        assertErrorContains("{{ 'ab'.split('') }}", "split() with an empty separator");
        String grow = "{% set a = 'abcdefghij' %}{% set b = a.replace('', a) %}{% set c = b.replace('', b) %}";
        assertErrorContains(grow + "{% set d = c.replace('', c) %}", "a string method would make 214358880 characters");
        assertErrorContains(grow + "{% set j = c.join(range(200)) %}", "a string method would make");
        String commas = "{% set ns = namespace(s=',') %}{% for i in range(17) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}";
        assertErrorContains(commas + "{{ ns.s.split(',')|length }}", "split gives more than 100000 parts");
        assertEquals("3 a-b 5", new JinjaChatTemplate("{{ 'a,b,'.split(',')|length }} {{ '-'.join(['a', 'b']) }} {{ 'ab'.replace('', '-')|length }}",
                "<s>", "</s>").render(CHAT, true));
    }

    @Test
    void hugeTemplateIsRefused() {
        assertTrue(error("x".repeat(JinjaChatTemplate.MAX_TEMPLATE_CHARS + 1)).contains("characters"));
    }

    @Test
    void ordinaryLoopsStillRender() {
        String out = new JinjaChatTemplate("{% for a in range(100) %}{% for m in messages %}{{ m['content'] }}{% endfor %}{% endfor %}",
                "<s>", "</s>").render(CHAT, true);
        assertEquals("Hi".repeat(100), out);
    }
}
