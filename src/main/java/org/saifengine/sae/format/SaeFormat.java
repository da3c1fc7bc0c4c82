package org.saifengine.sae.format;

import org.saifengine.sae.Sae;

import java.io.IOException;
import java.nio.file.Path;

/** One on-disk SAE format: recognises its files and loads them into the engine's one {@link Sae} type. */
public interface SaeFormat {
    /** Short name shown by {@code sae inspect} ("saelens", "gemma-scope", ...). */
    String name();

    /** True when the directory (or file) holds this format's files. */
    boolean matches(Path path);

    Sae load(Path path) throws IOException;
}
