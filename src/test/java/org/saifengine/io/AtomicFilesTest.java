package org.saifengine.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A failed write leaves the previous file and no temporary file, and says which file and why. */
class AtomicFilesTest {
    @TempDir
    Path tmp;

    @Test
    void aWriteFailingHalfWayKeepsThePreviousVersion() throws IOException {
        Path f = tmp.resolve("results.json");
        AtomicFiles.writeString(f, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("new, half".getBytes());
            throw new IOException("File too large");
        }));
        assertEquals("cannot write " + f + ": File too large (the disk is full or a file-size limit was reached; files "
                + "written before are intact)", e.getMessage());
        assertEquals("old", Files.readString(f));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count(), "the temporary file was removed");
        }
    }

    @Test
    void aDirectoryThatIsAFileIsNamed() throws IOException {
        Path file = tmp.resolve("plain");
        Files.writeString(file, "x");
        Path target = file.resolve("out").resolve("latents.json");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "{}"));
        assertTrue(e.getMessage().startsWith("cannot write " + target + ": "), e.getMessage());
        IOException probe = assertThrows(IOException.class, () -> AtomicFiles.requireWritable(file.resolve("run")));
        assertTrue(probe.getMessage().startsWith("cannot write " + file.resolve("run") + ": "), probe.getMessage());
    }

    @Test
    void resultsAreReadableByOthers() throws IOException {
        Path f = tmp.resolve("cfg.json");
        AtomicFiles.writeString(f, "{}");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }
}
