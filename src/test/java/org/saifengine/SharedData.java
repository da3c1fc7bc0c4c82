package org.saifengine;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (the read-only models and data). Tests that need it are skipped, with the reason, outside
 *  this setup; inside it (CI), a missing file is a failure, not a skip. */
public final class SharedData {
    private SharedData() {}

    public static Path root() {
        Path p = Path.of(System.getProperty("shared.dir", "../shared")).toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isDirectory(p), "../shared is absent (" + p + "): test needs the shared models");
        return p;
    }

    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) throw new AssertionError("missing shared file " + p);
        return p;
    }

    public static Path stories260K() {
        return path("models/stories260K");
    }
}
