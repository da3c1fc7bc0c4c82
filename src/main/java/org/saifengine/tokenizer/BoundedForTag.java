package org.saifengine.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.util.ObjectIterator;

import java.util.List;

/**
 * jinjava's {@code for} tag with a budget of loop iterations per render. jinjava bounds output size, string length
 * and range() lengths but not the work of nested loops ({@code for a in range(1000)} four deep is 10^12 iterations with
 * no output), so a hostile chat template could otherwise hang a request. Each loop adds its length to the render's
 * count before it runs; over the budget the render fails with {@link TemplateRenderError}.
 */
final class BoundedForTag extends ForTag {
    private static final ThreadLocal<long[]> LEFT = new ThreadLocal<>();

    /** Runs a render on this thread with at most {@code iterations} loop iterations in total. */
    static <T> T withBudget(long iterations, java.util.function.Supplier<T> render) {
        long[] before = LEFT.get();
        LEFT.set(new long[]{iterations});
        try {
            return render.get();
        } finally {
            if (before == null) LEFT.remove();
            else LEFT.set(before);
        }
    }

    @Override
    public String renderForCollection(TagNode tagNode, JinjavaInterpreter interpreter, List<String> loopVars, Object collection) {
        long[] left = LEFT.get();
        if (left != null) {
            int length = ObjectIterator.getLoop(collection).getLength();
            if (length > 0) {
                left[0] -= length;
                if (left[0] < 0) throw new TemplateRenderError("the chat template runs more than " + JinjaChatTemplate.MAX_LOOP_ITERATIONS
                        + " loop iterations (line " + tagNode.getLineNumber() + ")");
            }
        }
        return super.renderForCollection(tagNode, interpreter, loopVars, collection);
    }
}
