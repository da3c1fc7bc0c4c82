package org.saifengine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code engine sae ...}: load, inspect, encode, convert, train and evaluate sparse autoencoders. */
@Command(name = "sae", mixinStandardHelpOptions = true,
        description = "Sparse autoencoders: encode, inspect, convert, train, eval.",
        subcommands = {
                SaeEncodeCommand.class,
                SaeInspectCommand.class,
                SaeConvertCommand.class,
                SaeTrainCommand.class,
                SaeCollectCommand.class,
                SaeEvalCommand.class,
                SaeBenchCommand.class,
        })
public final class SaeCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
