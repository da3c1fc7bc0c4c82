package org.saifengine.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.loader.ResourceNotFoundException;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer_config.json chat template rendered with jinjava, set up like transformers' environment
 * (trim_blocks, lstrip_blocks, a final newline of the template dropped, raise_exception and strftime_now).
 */
final class JinjaChatTemplate implements ChatTemplate {
    /**
     * Bounds on one render, so that a hostile template gives one clear error instead of a hang or an
     * OutOfMemoryError. Generous for real templates (tens of KB, bracket depth under 10, loops over the messages):
     * 2M characters of output is ~500k tokens, beyond any context; 200k loop iterations render in about a second.
     * jinjava's expression parser takes seconds at a bracket depth of a few hundred and practically forever at
     * 20,000, so deeper templates are refused before parsing.
     */
    static final long MAX_OUTPUT_CHARS = 2_000_000;
    static final long MAX_LOOP_ITERATIONS = 200_000;
    /** Real chat templates render in milliseconds; a hostile one is stopped after this long. */
    static final long MAX_RENDER_MILLIS = 2_000;
    static final int MAX_COLLECTION_SIZE = 100_000;
    static final int MAX_MACRO_DEPTH = 20;
    static final int MAX_TEMPLATE_CHARS = 1 << 20;
    static final int MAX_BRACKET_DEPTH = 100;

    private static final Jinjava JINJAVA = newJinjava();

    private final String template;
    private final String problem; // why the template cannot be rendered at all, or null
    private final String bosToken;
    private final String eosToken;

    JinjaChatTemplate(String template, String bosToken, String eosToken) {
        // jinja2's default keep_trailing_newline=False drops one newline at the end of the template
        String t = template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
        this.problem = structureProblem(t);
        this.template = problem == null ? JinjaCompat.rewrite(t) : t;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** A template too large or too deeply bracketed to parse in reasonable time, else null. */
    static String structureProblem(String t) {
        if (t.length() > MAX_TEMPLATE_CHARS) return "the template has " + t.length() + " characters (at most " + MAX_TEMPLATE_CHARS + ")";
        int depth = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                if (++depth > MAX_BRACKET_DEPTH) return "brackets nest deeper than " + MAX_BRACKET_DEPTH + " (at character " + i + ")";
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        return null;
    }

    private static Jinjava newJinjava() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver())
                .withNestedInterpretationEnabled(false) // message text is data, never template code
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withMaxListSize(MAX_COLLECTION_SIZE)
                .withMaxMapSize(MAX_COLLECTION_SIZE)
                .withMaxMacroRecursionDepth(MAX_MACRO_DEPTH)
                .withInterperterFactory(new FailFastInterpreter.Factory())
                .withLegacyOverrides(com.hubspot.jinjava.LegacyOverrides.newBuilder() // behave like Python's jinja2
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withAllowAdjacentTextNodes(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        Jinjava j = new Jinjava(config);
        // jinjava's default locator reads classpath resources: a template from the internet may include nothing
        j.setResourceLocator((name, charset, interpreter) -> {
            throw new ResourceNotFoundException("a chat template may not include or import other templates ('" + name + "')");
        });
        j.getGlobalContext().registerTag(new BoundedForTag());
        j.getGlobalContext().registerFilter(new PythonToJsonFilter());
        BoundedFilters.register(j.getGlobalContext());
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                JinjaChatTemplate.class, "raiseException", String.class));
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                JinjaChatTemplate.class, "strftimeNow", String.class));
        return j;
    }

    /** Python string methods first, then jinjava's usual resolvers. */
    private static jinjava.javax.el.ELResolver resolver() {
        jinjava.javax.el.CompositeELResolver r = new jinjava.javax.el.CompositeELResolver();
        r.add(new PythonStringMethods());
        r.add(com.hubspot.jinjava.el.JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return r;
    }

    /** Called by templates to reject a conversation (e.g. roles that do not alternate). */
    public static String raiseException(String message) {
        throw new TemplateException(message);
    }

    /** transformers' strftime_now(format) for the common directives. */
    public static String strftimeNow(String format) {
        LocalDateTime now = LocalDateTime.now();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            sb.append(switch (d) {
                case 'd' -> String.format("%02d", now.getDayOfMonth());
                case 'm' -> String.format("%02d", now.getMonthValue());
                case 'Y' -> String.valueOf(now.getYear());
                case 'y' -> String.format("%02d", now.getYear() % 100);
                case 'b' -> now.format(DateTimeFormatter.ofPattern("MMM", java.util.Locale.ENGLISH));
                case 'B' -> now.format(DateTimeFormatter.ofPattern("MMMM", java.util.Locale.ENGLISH));
                case 'H' -> String.format("%02d", now.getHour());
                case 'M' -> String.format("%02d", now.getMinute());
                case 'S' -> String.format("%02d", now.getSecond());
                case '%' -> "%";
                default -> "%" + d;
            });
        }
        return sb.toString();
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (problem != null) throw new IllegalArgumentException("chat template error: " + problem);
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            msgs.add(map);
        }
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("messages", msgs);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken == null ? "" : bosToken);
        bindings.put("eos_token", eosToken == null ? "" : eosToken);
        RenderResult result;
        try {
            result = RenderBudget.run(MAX_LOOP_ITERATIONS, MAX_RENDER_MILLIS, () -> JINJAVA.renderForResult(template, bindings));
        } catch (TemplateException e) {
            throw new IllegalArgumentException("chat template rejected the conversation: " + e.getMessage());
        } catch (TemplateRenderError e) {
            throw new IllegalArgumentException("chat template error: " + e.getMessage());
        } catch (FailFastInterpreter.FatalError e) {
            throw failure(e.error);
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("chat template error: the template nests too deeply to render");
        }
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) throw failure(e);
        }
        return result.getOutput();
    }

    /** The error a render's first fatal template error means for the caller, whatever jinjava wrapped around it. */
    private static IllegalArgumentException failure(TemplateError e) {
        for (Throwable t = e.getException(); t != null; t = t.getCause()) {
            if (t instanceof FailFastInterpreter.FatalError first) e = first.error; // jinjava wrapped the first error
        }
        Throwable cause = e.getException();
        while (cause != null && !(cause instanceof TemplateException) && !(cause instanceof TemplateRenderError))
            cause = cause.getCause();
        if (cause instanceof TemplateRenderError) return new IllegalArgumentException("chat template error: " + cause.getMessage());
        if (cause != null) return new IllegalArgumentException("chat template rejected the conversation: " + cause.getMessage());
        return new IllegalArgumentException("chat template error: " + e.getMessage() + " (line " + e.getLineno() + ")");
    }

    /** Thrown by raise_exception. */
    static final class TemplateException extends RuntimeException {
        TemplateException(String message) {
            super(message);
        }
    }
}
