package org.saifengine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code engine} command and its subcommands. Each subcommand is one class in this package. */
@Command(name = "engine", mixinStandardHelpOptions = true, version = "saif-engine 0.1.0",
        description = "Runs transformer LMs on safetensors/GGUF weights, reads them through SAEs and steers them (SAIF).",
        subcommands = {
                CommandLine.HelpCommand.class,
                DevicesCommand.class,
                BenchGpuCommand.class,
                GgufCommand.class,
                ConvertCommand.class,
                GenerateCommand.class,
                ForwardCommand.class,
                InspectCommand.class,
                BenchCommand.class,
                TokenizeCommand.class,
                ServeCommand.class,
                ChatTemplateCommand.class,
                SafetensorsCommand.class,
                SaeCommand.class,
                SaifCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with the engine's error handling: bad input is one line on stderr, exit code 2. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            if (System.getenv("SAIF_ENGINE_DEBUG") != null) ex.printStackTrace();
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            if (org.saifengine.io.ConsoleLine.takeOpen()) cmd.getErr().println();  // not after a progress bar
            cmd.getErr().println("error: " + msg);
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
