package org.saifengine.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;

/**
 * A jinjava interpreter that stops the render at its first fatal error. jinjava records an error and renders on, so
 * a broken expression inside a loop is parsed again, and fails again with a new exception, on every iteration: a
 * 455-byte template of nested loops took 5 s for 200,000 identical errors (found by ChatTemplateFuzzTest). A chat
 * template with a fatal error fails anyway ({@link JinjaChatTemplate#render}), so the rest of the work is wasted.
 */
final class FailFastInterpreter extends JinjavaInterpreter {
    private FailFastInterpreter(Jinjava jinjava, Context context, JinjavaConfig config) {
        super(jinjava, context, config);
    }

    private FailFastInterpreter(JinjavaInterpreter parent) {
        super(parent);
    }

    /** Every expression checks the render's time budget: work without loops (macros calling macros) is bounded too. */
    @Override
    public Object resolveELExpression(String expression, int lineNumber) {
        RenderBudget.checkTime(lineNumber);
        return super.resolveELExpression(expression, lineNumber);
    }

    @Override
    public Object resolveELExpression(String expression, int lineNumber, int startPosition) {
        RenderBudget.checkTime(lineNumber);
        return super.resolveELExpression(expression, lineNumber, startPosition);
    }

    @Override
    public void addError(TemplateError error) {
        // jinjava may catch our own FatalError (maybe wrapped) and record it as a new error: pass the first one on
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof FatalError first) throw first;
        }
        super.addError(error);
        if (error.getSeverity() == TemplateError.ErrorType.FATAL) throw new FatalError(error);
    }

    /** The render's first fatal error, thrown out of the render. */
    static final class FatalError extends RuntimeException {
        final transient TemplateError error;

        FatalError(TemplateError error) {
            super(error.getMessage(), null, false, false); // no stack trace: it is control flow, the error says what failed
            this.error = error;
        }
    }

    static final class Factory implements InterpreterFactory {
        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter parent) {
            return new FailFastInterpreter(parent);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava jinjava, Context context, JinjavaConfig config) {
            return new FailFastInterpreter(jinjava, context, config);
        }
    }
}
