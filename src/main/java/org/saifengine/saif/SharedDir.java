package org.saifengine.saif;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared data folder (../shared in this setup) that task contents are read from at run time: the system
 * property {@code shared.dir}, else the environment variable {@code SAIF_SHARED}, else {@code ../shared}, else
 * {@code ./shared}. The data is never copied into the repository.
 */
public final class SharedDir {
    private SharedDir() {}

    public static Path locate() throws IOException {
        String prop = System.getProperty("shared.dir");
        if (prop != null) return check(Path.of(prop), "system property shared.dir");
        String env = System.getenv("SAIF_SHARED");
        if (env != null && !env.isBlank()) return check(Path.of(env), "SAIF_SHARED");
        for (String c : new String[]{"../shared", "shared"}) {
            Path p = Path.of(c).toAbsolutePath().normalize();
            if (Files.isDirectory(p.resolve("data"))) return p;
        }
        throw new IOException("shared data folder not found: looked for ../shared/data and ./shared/data from "
                + Path.of("").toAbsolutePath() + "; set SAIF_SHARED (or -Dshared.dir) to the folder that holds data/ifeval and data/text");
    }

    private static Path check(Path p, String from) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs.resolve("data")))
            throw new IOException("shared data folder " + abs + " (from " + from + ") has no data/ subfolder");
        return abs;
    }
}
