package org.saifengine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Source rewrites for jinja2 constructs jinjava parses differently. jinjava binds a keyword argument's '=' tighter
 * than arithmetic, so {@code namespace(n=messages|length - 1)} becomes {@code (n=messages|length) - 1}; wrapping
 * each keyword value of namespace(...) in parentheses restores jinja2's meaning (Qwen3's template needs this).
 * jinjava has no step slices, so {@code name[::-1]} becomes {@code (name|reverse)}.
 */
final class JinjaCompat {
    private static final Pattern NAMESPACE = Pattern.compile("\\bnamespace\\(");
    private static final Pattern KEYWORD = Pattern.compile("^(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*)=(?!=)(.*)$", Pattern.DOTALL);

    // A name starts only where no name character precedes it, and is read possessively: with \\b, "a.a.a...." was
    // tried from every dot to its end (quadratic: 100 KB of "a." took 19 s).
    private static final Pattern REVERSED = Pattern.compile("(?<![A-Za-z0-9_.])([A-Za-z_][A-Za-z0-9_.]*+)\\[\\s*:\\s*:\\s*-1\\s*\\]");

    private JinjaCompat() {}

    static String rewrite(String template) {
        return REVERSED.matcher(namespaceKeywords(template)).replaceAll("($1|reverse)");
    }

    private static String namespaceKeywords(String template) {
        StringBuilder out = new StringBuilder();
        Matcher m = NAMESPACE.matcher(template);
        int pos = 0;
        while (m.find(pos)) {
            int argsStart = m.end();
            int close = matchingParen(template, argsStart);
            if (close < 0) break;
            out.append(template, pos, argsStart);
            List<String> args = splitTopLevel(template.substring(argsStart, close));
            for (int i = 0; i < args.size(); i++) {
                if (i > 0) out.append(',');
                Matcher k = KEYWORD.matcher(args.get(i));
                out.append(k.matches() ? k.group(1) + "=(" + k.group(2) + ")" : args.get(i));
            }
            out.append(')');
            pos = close + 1;
        }
        out.append(template.substring(pos));
        return out.toString();
    }

    /** Index of the ')' closing a '(' just before from, skipping quoted strings; -1 if none. */
    private static int matchingParen(String s, int from) {
        int depth = 1;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = s.indexOf(c, i + 1);
                if (i < 0) return -1;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (--depth == 0) return c == ')' ? i : -1;
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) break;
                i = end;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }
}
