package org.saifengine.tokenizer;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Python str methods for chat templates ({@code content.strip()}, {@code .startswith('x')}, {@code .split()} ...),
 * which jinjava would otherwise look up as Java methods. Only method calls on strings are resolved here; every
 * other lookup falls through to jinjava's own resolvers.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) return null;
        Object[] a = params == null ? new Object[0] : params;
        Object result;
        switch (method.toString()) {
            case "strip" -> result = strip(s, arg(a, 0), true, true);
            case "lstrip" -> result = strip(s, arg(a, 0), true, false);
            case "rstrip" -> result = strip(s, arg(a, 0), false, true);
            case "lower" -> result = s.toLowerCase(Locale.ROOT);
            case "upper" -> result = s.toUpperCase(Locale.ROOT);
            case "title" -> result = title(s);
            case "capitalize" -> result = s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "startswith" -> result = anyOf(a, p -> s.startsWith(p));
            case "endswith" -> result = anyOf(a, p -> s.endsWith(p));
            case "split" -> result = split(s, arg(a, 0), a.length > 1 ? maxSplit(a[1]) : -1);
            case "replace" -> result = replace(s, String.valueOf(need(a, 2, "replace")[0]), String.valueOf(a[1]));
            case "find" -> result = (long) s.indexOf(String.valueOf(need(a, 1, "find")[0]));
            case "count" -> result = (long) count(s, String.valueOf(need(a, 1, "count")[0]));
            case "join" -> result = join(s, need(a, 1, "join")[0]);
            case "isspace" -> result = !s.isEmpty() && s.isBlank();
            case "isdigit" -> result = !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            default -> {
                return null;
            }
        }
        context.setPropertyResolved(true);
        return result;
    }

    /** The arguments, if there are at least {@code n}; else the TypeError Python would raise, as a render error. */
    private static Object[] need(Object[] a, int n, String method) {
        if (a.length < n) throw new TemplateRenderError(method + "() takes at least " + n + " argument" + (n > 1 ? "s" : "") + " (" + a.length + " given)");
        return a;
    }

    private static int maxSplit(Object n) {
        if (!(n instanceof Number number)) throw new TemplateRenderError("split()'s maxsplit must be an integer, got '" + n + "'");
        return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, number.longValue()));
    }

    private static String arg(Object[] a, int i) {
        return a.length > i && a[i] != null ? a[i].toString() : null;
    }

    private static boolean anyOf(Object[] a, java.util.function.Predicate<String> test) {
        if (a.length == 0) return false;
        if (a[0] instanceof Iterable<?> it) {
            for (Object o : it) if (test.test(String.valueOf(o))) return true;
            return false;
        }
        return test.test(String.valueOf(a[0]));
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0, end = s.length();
        if (left) while (start < end && stripped(s.charAt(start), chars)) start++;
        if (right) while (end > start && stripped(s.charAt(end - 1), chars)) end--;
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    private static List<String> split(String s, String sep, int maxSplit) {
        if (sep != null && sep.isEmpty()) throw new TemplateRenderError("split() with an empty separator"); // Python: ValueError
        List<String> out = new ArrayList<>();
        if (sep == null) {
            String t = s.strip();
            if (t.isEmpty()) return out;
            String[] parts = maxSplit < 0 ? t.split("\\s+") : t.split("\\s+", maxSplit + 1);
            out.addAll(Arrays.asList(parts));
            return out;
        }
        int from = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int i = s.indexOf(sep, from);
            if (i < 0) break;
            out.add(s.substring(from, i));
            if (out.size() >= JinjaChatTemplate.MAX_COLLECTION_SIZE) {
                throw new TemplateRenderError("split gives more than " + JinjaChatTemplate.MAX_COLLECTION_SIZE + " parts");
            }
            from = i + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) return s.length() + 1;
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }

    /** Python's replace; the result is sized first, since replacing '' by a long string multiplies the length. */
    private static String replace(String s, String old, String by) {
        requireStringLength((long) s.length() + (long) count(s, old) * (by.length() - old.length()));
        return s.replace(old, by);
    }

    private static String join(String sep, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> it) for (Object o : it) parts.add(String.valueOf(o));
        else if (items instanceof Object[] arr) for (Object o : arr) parts.add(String.valueOf(o));
        else parts.add(String.valueOf(items));
        long length = (long) sep.length() * Math.max(0, parts.size() - 1);
        for (String p : parts) length += p.length();
        requireStringLength(length);
        return String.join(sep, parts);
    }

    private static void requireStringLength(long length) {
        if (length > JinjaChatTemplate.MAX_OUTPUT_CHARS) {
            throw new TemplateRenderError("a string method would make " + length + " characters (at most " + JinjaChatTemplate.MAX_OUTPUT_CHARS + ")");
        }
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
