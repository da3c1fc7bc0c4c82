package org.saifengine.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LauncherTest {
    @Test
    void modelRunningCommandsGetTheLeanHeap() {
        for (String cmd : List.of("bench", "generate", "forward")) {
            assertEquals(Launcher.LEAN_HEAP_OPTIONS, Launcher.memoryOptions(new String[] {cmd, "--model", "m"}, List.of()), cmd);
        }
        assertEquals(List.of("-XX:+UseSerialGC", "-Xmn8m"), Launcher.LEAN_HEAP_OPTIONS);
    }

    @Test
    void otherCommandsKeepTheJvmDefaults() {
        assertEquals(List.of(), Launcher.memoryOptions(new String[] {"serve"}, List.of()));
        assertEquals(List.of(), Launcher.memoryOptions(new String[] {"sae", "train"}, List.of()));
        assertEquals(List.of(), Launcher.memoryOptions(new String[0], List.of()));
    }

    @Test
    void theUsersCollectorOrYoungSizeWins() {
        String[] bench = {"bench"};
        assertEquals(List.of(), Launcher.memoryOptions(bench, List.of("-XX:+UseG1GC")));
        assertEquals(List.of(), Launcher.memoryOptions(bench, List.of("-XX:+UseZGC")));
        assertEquals(List.of(), Launcher.memoryOptions(bench, List.of("-Xmn64m")));
        assertEquals(List.of(), Launcher.memoryOptions(bench, List.of("-XX:MaxNewSize=64m")));
        // A heap ceiling alone does not conflict with the lean options.
        assertEquals(Launcher.LEAN_HEAP_OPTIONS, Launcher.memoryOptions(bench, List.of("-Xmx2g", "-Dfoo=bar")));
    }
}
