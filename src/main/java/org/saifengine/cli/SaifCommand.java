package org.saifengine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code engine saif ...}: find instruction latents, explain them, steer with them, evaluate (SAIF). */
@Command(name = "saif", mixinStandardHelpOptions = true,
        description = "SAIF: find the SAE latents of an instruction, explain them, steer with them, measure it.",
        subcommands = {
                SaifFindCommand.class,
                SaifExplainCommand.class,
                SaifSteerCommand.class,
                SaifEvalCommand.class,
        })
public final class SaifCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
