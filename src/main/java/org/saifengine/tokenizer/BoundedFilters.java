package org.saifengine.tokenizer;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.BatchFilter;
import com.hubspot.jinjava.lib.filter.CenterFilter;
import com.hubspot.jinjava.lib.filter.FormatFilter;
import com.hubspot.jinjava.lib.filter.IndentFilter;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jinjava filters whose arguments size what they build, refused over the render's bounds before they build it.
 * jinjava checks the output only once it exists: with an 8 GB heap, {@code 'x'|center(2000000000)} took 18 s and
 * 5.7 GB, and {@code [1]|batch(2000000000, 'x')} 68 s before its OutOfMemoryError (found by review).
 */
final class BoundedFilters {
    private static final Pattern FORMAT_WIDTH = Pattern.compile("%(?:\\d+\\$)?[-#+ 0,(<]*(\\d+)?(?:\\.(\\d+))?");

    private BoundedFilters() {}

    static void register(Context context) {
        context.registerFilter(new Center());
        context.registerFilter(new Indent());
        context.registerFilter(new Batch());
        context.registerFilter(new Format());
    }

    private static void require(String filter, String what, Object value, long max) {
        long n;
        if (value instanceof Number number) {
            n = number.longValue();
        } else {
            String s = String.valueOf(value).strip();
            if (!s.matches("\\d+")) return; // not a whole number: jinjava's own filter reports it
            n = s.length() > 18 ? Long.MAX_VALUE : Long.parseLong(s);
        }
        if (n > max) throw new TemplateRenderError(filter + "'s " + what + " " + (n == Long.MAX_VALUE ? value : n) + " is over " + max);
    }

    static final class Center extends CenterFilter {
        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (args.length > 0) require("center", "width", args[0], JinjaChatTemplate.MAX_OUTPUT_CHARS);
            return super.filter(var, interpreter, args);
        }
    }

    static final class Indent extends IndentFilter {
        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Map<String, Object> args) {
            String text = var == null ? "" : var.toString();
            long lines = text.chars().filter(c -> c == '\n').count() + 1;
            require("indent", "width", args.get(IndentFilter.WIDTH_PARAM), JinjaChatTemplate.MAX_OUTPUT_CHARS / lines);
            return super.filter(var, interpreter, args);
        }
    }

    static final class Batch extends BatchFilter {
        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (args.length > 0) require("batch", "size", args[0], JinjaChatTemplate.MAX_COLLECTION_SIZE);
            return super.filter(var, interpreter, args);
        }
    }

    static final class Format extends FormatFilter {
        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var != null) {
                Matcher m = FORMAT_WIDTH.matcher(var.toString());
                while (m.find()) {
                    for (int g = 1; g <= 2; g++) {
                        if (m.group(g) != null) require("format", "width", m.group(g), JinjaChatTemplate.MAX_OUTPUT_CHARS);
                    }
                }
            }
            return super.filter(var, interpreter, args, kwargs);
        }
    }
}
