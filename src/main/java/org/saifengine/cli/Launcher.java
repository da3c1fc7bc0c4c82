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

    /** Commands that load a model and run it: their heap holds little besides the KV cache and a few buffers. */
    static final List<String> LEAN_HEAP_COMMANDS = List.of("bench", "generate", "forward");

    /**
     * Serial GC with an 8 MiB young generation: the weights live outside the heap, the live heap is ~40 MB, but the
     * Vector API's boxed vectors before C2 compiles the kernels make ~1 GB of garbage in the first seconds, and G1
     * answers that by growing eden to hundreds of MB (all of it resident) plus ~50 MB of its own remembered sets.
     * Measured in docs/perf/cpu.md (peak RSS of stories260K 306 -> 86 MiB). The engine script applies the same rule.
     */
    static final List<String> LEAN_HEAP_OPTIONS = List.of("-XX:+UseSerialGC", "-Xmn8m");

    /**
     * The lean-heap options for {@code args}' command, or none when it is another command or when the user's own
     * JVM options already pick a collector or a young-generation size (two collectors would stop the JVM).
     */
    static List<String> memoryOptions(String[] args, List<String> userOptions) {
        if (args.length == 0 || !LEAN_HEAP_COMMANDS.contains(args[0])) return List.of();
        for (String o : userOptions) {
            if (o.matches("-XX:[+-]Use\\w*GC") || o.startsWith("-Xmn") || o.startsWith("-XX:NewSize") || o.startsWith("-XX:MaxNewSize")) {
                return List.of();
            }
        }
        return LEAN_HEAP_OPTIONS;
    }

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
        // Carry over heap and system-property options the user gave the outer JVM (after ours: the last one wins).
        List<String> carried = new ArrayList<>();
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-X") || a.startsWith("-D")) carried.add(a);
        }
        cmd.addAll(memoryOptions(args, carried));
        cmd.addAll(carried);
        cmd.add("-cp");
        cmd.add(jar);
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        return p.waitFor();
    }
}
