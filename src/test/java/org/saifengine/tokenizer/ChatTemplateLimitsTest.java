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
    void stringMethodsWithMissingArgumentsSaySo() {
        // these were an ArrayIndexOutOfBounds / ClassCastException inside the message (found by review)
        assertErrorContains("{{ 'x'.find() }}", "find() takes at least 1 argument (0 given)");
        assertErrorContains("{{ 'x'.replace('x') }}", "replace() takes at least 2 arguments (1 given)");
        assertErrorContains("{{ 'x'.count() }}", "count() takes at least 1 argument (0 given)");
        assertErrorContains("{{ 'x'.join() }}", "join() takes at least 1 argument (0 given)");
        assertErrorContains("{{ 'a b'.split(' ', 'x') }}", "split()'s maxsplit must be an integer, got 'x'");
        assertEquals("['a', 'b c']", new JinjaChatTemplate("{{ 'a b c'.split(' ', 1) }}", "<s>", "</s>").render(CHAT, true));
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

    // Found by review after CI's finding elsewhere: work that the loop budget does not count, now stopped by time.

    @Test
    void macrosFanningOutStopAtTheTimeBudget() {
        // m9 calls m8 ten times ... m0: 10^9 calls with no loop (7 levels took 14 s, 8 over a minute)
        StringBuilder t = new StringBuilder("{% macro m0() %}x{% endmacro %}");
        for (int i = 1; i <= 9; i++) t.append("{% macro m").append(i).append("() %}").append(("{{ m" + (i - 1) + "() }}").repeat(10)).append("{% endmacro %}");
        long start = System.nanoTime();
        String m = error(t.append("{{ m9() }}").toString());
        assertTrue(m.contains("renders for more than 2000 ms"), m);
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "stopped after " + (System.nanoTime() - start) / 1e9 + " s");
    }

    @Test
    void heavyWorkPerIterationStopsAtTheTimeBudget() {
        // 190,000 iterations (within the loop budget), each upper-casing a 1M-character string: over a minute
        String m = error("{% set ns = namespace(s='x') %}{% for i in range(20) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
                + "{% for i in range(190) %}{% for j in range(1000) %}{% set t = ns.s|upper %}{% endfor %}{% endfor %}");
        assertTrue(m.contains("renders for more than 2000 ms"), m);
    }

    @Test
    void tojsonIndentCannotAskForGigabytes() {
        assertErrorContains("{{ messages|tojson(indent=2000000000) }}", "tojson would write over 2000000 characters (indent 2000000000)");
        assertTrue(new JinjaChatTemplate("{{ messages|tojson(indent=2) }}", "<s>", "</s>").render(CHAT, true).contains("\n    \"role\""));
    }

    @Test
    void includeAndImportReadNothing() {
        // jinjava's default locator read classpath resources, e.g. this package's package-info.class
        assertErrorContains("{% include 'org/saifengine/tokenizer/package-info.class' %}", "may not include or import other templates");
        assertErrorContains("{% import 'META-INF/MANIFEST.MF' as m %}{{ m }}", "may not include or import other templates");
    }

    @Test
    void reversedSliceRewriteIsLinear() {
        // the [::-1] rewrite's pattern was quadratic in a dotted name: 100 KB of "a." took 19 s to construct
        String dotted = "{{ 'x' }}" + "a.".repeat(500_000);
        long start = System.nanoTime();
        new JinjaChatTemplate(dotted, "<s>", "</s>");
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "took " + (System.nanoTime() - start) / 1e9 + " s");
        assertEquals("ba", new JinjaChatTemplate("{% for m in messages[::-1] %}{{ m.content }}{% endfor %}", "<s>", "</s>")
                .render(List.of(new ChatMessage("user", "a"), new ChatMessage("assistant", "b")), false));
    }

    @Test
    void filtersSizedByTheirArgumentsAreRefusedBeforeTheyBuild() {
        // with an 8 GB heap, center took 18 s and 5.7 GB, batch 68 s until its OutOfMemoryError (found by review)
        assertErrorContains("{{ 'x'|center(2000000000) }}", "center's width 2000000000 is over 2000000");
        assertErrorContains("{{ '%2000000000s'|format(1) }}", "format's width 2000000000 is over 2000000");
        assertErrorContains("{{ '%.99999999999999999999f'|format(1.5) }}", "format's width 99999999999999999999 is over 2000000");
        assertErrorContains("{{ 'x\\ny'|indent(1000000000) }}", "indent's width 1000000000 is over 1000000");
        assertErrorContains("{{ [1]|batch(2000000000, 'x') }}", "batch's size 2000000000 is over 100000");
        assertEquals("  x  |  1|a\n  b|[[1, 2], [3, 'x']]", new JinjaChatTemplate(
                "{{ 'x'|center(5) }}|{{ '%3d'|format(1) }}|{{ 'a\\nb'|indent(2) }}|{{ [1, 2, 3]|batch(2, 'x')|list }}", "<s>", "</s>")
                .render(CHAT, true));
    }
}
