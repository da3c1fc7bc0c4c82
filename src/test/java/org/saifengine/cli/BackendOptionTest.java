package org.saifengine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.saifengine.backend.cuda.CudaProbe;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class BackendOptionTest {
    @Command(name = "probe")
    static final class ProbeCommand implements Callable<Integer> {
        @Mixin BackendOption backend;
        BackendOption.Resolved resolved;

        @Override
        public Integer call() {
            resolved = backend.resolve();
            return 0;
        }
    }

    static int run(ProbeCommand cmd, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(cmd);
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(Main.commandLine().getExecutionExceptionHandler());
        return cl.execute(args);
    }

    @Test
    void defaultAndCpuRunOnTheCpuQuietly() {
        for (String[] args : new String[][] {{}, {"--backend", "auto"}, {"--backend", "cpu"}}) {
            ProbeCommand cmd = new ProbeCommand();
            StringWriter err = new StringWriter();
            assertEquals(0, run(cmd, err, args));
            if (!BackendOption.AUTO_PICKS_CUDA || args.length > 1 && args[1].equals("cpu")) {
                assertEquals(BackendOption.Resolved.CPU, cmd.resolved);
            }
            assertEquals("", err.toString());
        }
    }

    @Test
    void cudaWithoutADeviceIsOneErrorLine() {
        Assumptions.assumeFalse(CudaProbe.status().available(), "this machine has a CUDA device");
        ProbeCommand cmd = new ProbeCommand();
        StringWriter err = new StringWriter();
        int rc = run(cmd, err, "--backend", "cuda");
        assertTrue(rc != 0, "non-zero exit");
        String out = err.toString().strip();
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.startsWith("error: --backend cuda: no CUDA device: "), out);
    }

    @Test
    void unknownBackendIsAUsageError() {
        StringWriter err = new StringWriter();
        assertTrue(run(new ProbeCommand(), err, "--backend", "tpu") != 0);
        assertTrue(err.toString().contains("auto, cpu, cuda"), err.toString());
        assertThrows(IllegalStateException.class, () -> {
            BackendOption o = new BackendOption();
            o.choice = BackendOption.Choice.cuda;
            if (CudaProbe.status().available()) throw new IllegalStateException("device present");
            o.resolve();
        });
    }
}
