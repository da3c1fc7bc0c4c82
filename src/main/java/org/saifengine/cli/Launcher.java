package org.saifengine.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Entry point of {@code java -jar engine.jar}. The Vector API is an incubator module that a jar manifest cannot
 * add, so when the JVM was started without it this class re-executes the same java binary with the needed options
 * and the same arguments (stdin/stdout/stderr inherited). This class must not touch any engine class before that
 * check, since those load jdk.incubator.vector. Set SAIF_ENGINE_NO_REEXEC=1 to run without re-executing (the CPU
 * backend then falls back to scalar loops and says so in one line).
 */
public final class Launcher {
    public static final List<String> JVM_OPTIONS = List.of(
            "--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        boolean hasVector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (!hasVector && System.getenv("SAIF_ENGINE_NO_REEXEC") == null) {
            Optional<String> java = ProcessHandle.current().info().command();
            String jar = jarPath();
            if (java.isPresent() && jar != null) {
                System.exit(reexec(java.get(), jar, args));
            }
        }
        if (!hasVector) {
            System.err.println("warning: jdk.incubator.vector is not available; using scalar loops (slow)");
        }
        Main.main(args);
    }

    private static String jarPath() {
        try {
            var src = Launcher.class.getProtectionDomain().getCodeSource();
            if (src == null) return null;
            var p = java.nio.file.Path.of(src.getLocation().toURI());
            return p.toString().endsWith(".jar") ? p.toString() : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static int reexec(String javaBin, String jar, String[] args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.addAll(JVM_OPTIONS);
        // Carry over heap and system-property options the user gave the outer JVM.
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-X") || a.startsWith("-D")) cmd.add(a);
        }
        cmd.add("-cp");
        cmd.add(jar);
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        return p.waitFor();
    }
}
