package org.saifengine.saif.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The four IFEval instructions of the suite, checked as IFEval does (google-research instruction_following_eval).
 * Strict: the rule holds on the whole output. Loose: it holds on one of IFEval's loose variants of the output
 * (asterisks removed, first and/or last line removed). As a deliberate difference from IFEval, an output without any
 * letter never passes (IFEval would pass an empty answer for lowercase, capitals and no-commas).
 */
public record IfevalRule(String type, Predicate<String> rule) implements Checker {

    private static final ObjectMapper STRICT_JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public static IfevalRule lowercase() {
        return new IfevalRule("lowercase", s -> s.equals(s.toLowerCase(Locale.ROOT)));
    }

    public static IfevalRule capitals() {
        return new IfevalRule("capitals", s -> s.equals(s.toUpperCase(Locale.ROOT)));
    }

    public static IfevalRule noCommas() {
        return new IfevalRule("no-commas", s -> s.indexOf(',') < 0);
    }

    public static IfevalRule json() {
        return new IfevalRule("json", IfevalRule::isJson);
    }

    /** IFEval's json_format: strip a ``` / ```json fence, then the rest must parse as one JSON value. */
    static boolean isJson(String s) {
        String v = s.strip();
        for (String fence : new String[]{"```json", "```Json", "```JSON", "```"}) {
            if (v.startsWith(fence)) {
                v = v.substring(fence.length());
                break;
            }
        }
        if (v.endsWith("```")) v = v.substring(0, v.length() - 3);
        v = v.strip();
        if (v.isEmpty()) return false;
        try {
            STRICT_JSON.readTree(v);
            return true;
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    @Override
    public CheckResult check(String output, String content) {
        boolean strict = passes(output);
        boolean loose = strict;
        for (String v : looseVariants(output)) {
            if (loose) break;
            loose = passes(v);
        }
        return new CheckResult(strict, loose, type + (strict ? " holds" : loose ? " holds on a loose variant" : " fails"));
    }

    private boolean passes(String s) {
        return !s.isBlank() && hasLetter(s) && rule.test(s);
    }

    private static boolean hasLetter(String s) {
        return s.codePoints().anyMatch(Character::isLetter);
    }

    /** IFEval's loose variants: without asterisks, without the first line, without the last line, without both. */
    static List<String> looseVariants(String r) {
        List<String> out = new ArrayList<>();
        for (String base : new String[]{r, r.replace("*", "")}) {
            String[] lines = base.split("\n", -1);
            out.add(base);
            out.add(join(lines, 1, lines.length));
            out.add(join(lines, 0, lines.length - 1));
            out.add(join(lines, 1, lines.length - 1));
        }
        return out;
    }

    private static String join(String[] lines, int from, int to) {
        if (from >= to) return "";
        return String.join("\n", java.util.Arrays.asList(lines).subList(from, to)).strip();
    }

    @Override
    public String describe() {
        return "ifeval " + type;
    }
}
