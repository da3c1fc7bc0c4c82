package org.saifengine.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.util.ObjectIterator;

import java.util.List;

/** jinjava's {@code for} tag, counting each loop's length against the render's {@link RenderBudget} before it runs. */
final class BoundedForTag extends ForTag {
    @Override
    public String renderForCollection(TagNode tagNode, JinjavaInterpreter interpreter, List<String> loopVars, Object collection) {
        RenderBudget.spendIterations(ObjectIterator.getLoop(collection).getLength(), tagNode.getLineNumber());
        return super.renderForCollection(tagNode, interpreter, loopVars, collection);
    }
}
