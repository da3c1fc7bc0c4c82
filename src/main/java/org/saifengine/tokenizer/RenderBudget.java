package org.saifengine.tokenizer;

import java.util.function.Supplier;

/**
 * What one chat template render may spend, on its thread: loop iterations ({@link BoundedForTag}, as each loop starts)
 * and time ({@link FailFastInterpreter}, at each expression). jinjava bounds output, string and collection sizes but
 * not work: nested loops with no output, macros that each call the previous one ten times (7 levels took 14 s, found
 * by review), or a 190,000-iteration loop over a 1M-character string would otherwise hang a request. Over either
 * budget the render fails with {@link TemplateRenderError}.
 */
final class RenderBudget {
    private static final ThreadLocal<RenderBudget> CURRENT = new ThreadLocal<>();

    private final long iterations;
    private final long millis;
    private final long deadline;
    private long iterationsLeft;

    private RenderBudget(long iterations, long millis) {
        this.iterations = iterations;
        this.millis = millis;
        this.deadline = System.nanoTime() + millis * 1_000_000;
        this.iterationsLeft = iterations;
    }

    /** Runs a render on this thread with at most {@code iterations} loop iterations and {@code millis} of time. */
    static <T> T run(long iterations, long millis, Supplier<T> render) {
        RenderBudget before = CURRENT.get();
        CURRENT.set(new RenderBudget(iterations, millis));
        try {
            return render.get();
        } finally {
            if (before == null) CURRENT.remove();
            else CURRENT.set(before);
        }
    }

    /** Counts a loop of {@code length} iterations about to run. */
    static void spendIterations(long length, int line) {
        RenderBudget b = CURRENT.get();
        if (b == null || length <= 0) return;
        b.iterationsLeft -= length;
        if (b.iterationsLeft < 0) {
            throw new TemplateRenderError("the chat template runs more than " + b.iterations + " loop iterations (line " + line + ")");
        }
    }

    static void checkTime(int line) {
        RenderBudget b = CURRENT.get();
        if (b != null && System.nanoTime() - b.deadline > 0) {
            throw new TemplateRenderError("the chat template renders for more than " + b.millis + " ms (line " + line + ")");
        }
    }
}
