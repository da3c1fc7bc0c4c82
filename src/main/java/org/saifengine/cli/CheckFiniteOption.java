package org.saifengine.cli;

import org.saifengine.model.Model;
import picocli.CommandLine.Option;

/**
 * {@code --check-finite / --no-check-finite}, a picocli mixin for commands that run the model: stop at the first NaN
 * or infinity in the activations with its layer, hook point and position. Default: off, unless the system property
 * saif.checkFinite or the environment variable SAIF_ENGINE_CHECK_FINITE turns it on (tests do).
 */
public final class CheckFiniteOption {
    @Option(names = "--check-finite", negatable = true,
            description = "check activations for NaN/Inf after every block and report the first (layer, hook point, "
                    + "position); default: off (on under SAIF_ENGINE_CHECK_FINITE=true)")
    Boolean on;

    /** Applies the choice to the model (leaves the model's default when the option was not given). */
    public void apply(Model m) {
        if (on != null) m.checkFinite(on);
    }
}
