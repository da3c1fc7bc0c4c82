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

    /** The budget the option names (throws IllegalArgumentException with the accepted forms when it cannot be read). */
    public MemoryBudget budget() {
        return MemoryBudget.fromOption(spec);
    }
}
