package org.saifengine.cli;

import org.saifengine.tensor.MemoryBudget;
import picocli.CommandLine.Option;

/**
 * The {@code --memory-budget SIZE} option, a picocli mixin for every command that loads a model or SAE
 * ({@code @Mixin MemoryBudgetOption memory;} then {@code memory.budget()}). Loads and KV caches that would not fit
 * are refused up front with the sizes named (see {@link MemoryBudget}).
 */
public final class MemoryBudgetOption {
    @Option(names = "--memory-budget", defaultValue = "auto", paramLabel = "SIZE",
            description = "memory the model, SAE and KV caches may take together, e.g. 8g or 512m; auto = the physical "
                    + "memory available at start (default: ${DEFAULT-VALUE})")
    String spec = "auto";

    private final java.util.Map<String, Long> loaded = new java.util.LinkedHashMap<>();

    /**
     * The budget the option names (throws IllegalArgumentException with the accepted forms when it cannot be read),
     * less what was {@link #loaded} under it: the model, SAE and KV caches share one budget.
     */
    public MemoryBudget budget() {
        MemoryBudget b = MemoryBudget.fromOption(spec);
        for (var e : loaded.entrySet()) b = b.less(e.getKey(), e.getValue());
        return b;
    }

    /** Something loaded under this budget (e.g. "the SAE" and its bytes), which later checks must leave room for. */
    public void loaded(String what, long bytes) {
        loaded.merge(what, bytes, Long::sum);
    }
}
