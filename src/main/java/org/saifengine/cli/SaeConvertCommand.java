package org.saifengine.cli;

import org.saifengine.sae.Sae;
import org.saifengine.sae.format.SaeFormats;
import org.saifengine.sae.format.SaeLensWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code engine sae convert}: load an SAE in any supported format and write it in SAELens format. */
@Command(name = "convert", mixinStandardHelpOptions = true, description = "Write an SAE (any supported format) in SAELens format.")
public final class SaeConvertCommand implements Callable<Integer> {
    @Option(names = "--sae", required = true, description = "SAE: directory, params.npz, or default")
    String saePath;

    @Option(names = "--out", required = true, description = "output directory (cfg.json + sae_weights.safetensors)")
    Path out;

    @Option(names = "--hook", description = "hook name to record (when the source format lacks it)")
    String hook;

    @Option(names = "--fold-dec-norm", description = "fold decoder row norms into the encoder before writing")
    boolean foldDecNorm;

    @Override
    public Integer call() throws Exception {
        Sae sae = SaeFormats.load(saePath);
        if (foldDecNorm) sae.foldWDecNorm();
        if (hook != null) sae.setHookName(hook);
        SaeLensWriter.write(sae, out);
        System.err.println("wrote " + sae + " to " + out);
        return 0;
    }
}
