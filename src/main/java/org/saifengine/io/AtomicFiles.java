package org.saifengine.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Write-to-temp-then-rename, so that no reader ever sees a half-written file: a kill, a full disk or a read-only
 * directory leaves the previous version of the file as it was. Failures name the file (see {@link #cannotWrite}).
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    public static void write(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try {
                // createTempFile makes the file owner-only; results are ordinary files others may read.
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep its default
            }
            try (OutputStream out = Files.newOutputStream(tmp)) {
                body.write(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw cannotWrite(target, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write's own error (if any) is the one to report
                }
            }
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Fails fast, before hours of work, when results cannot be written into dir (read-only, not a directory, no
     * permission): creates it if needed, then creates and deletes a temporary file there.
     */
    public static void requireWritable(Path dir) throws IOException {
        Path probe = dir.resolve(".write-probe");
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".write-probe", ".tmp");
            Files.delete(tmp);
        } catch (IOException e) {
            throw cannotWrite(probe.getParent(), e);
        }
    }

    /** One clear error naming the file and the reason, e.g. "cannot write out/results.jsonl: File too large (...)". */
    public static IOException cannotWrite(Path file, IOException e) {
        if (e instanceof CannotWriteException) return e;
        String reason;
        if (e instanceof AccessDeniedException a) reason = "permission denied" + other(file, a.getFile());
        else if (e instanceof NoSuchFileException n) reason = "no such file or directory" + other(file, n.getFile());
        else if (e instanceof NotDirectoryException n) reason = "not a directory" + other(file, n.getFile());
        else if (e instanceof FileSystemException f && f.getReason() != null) reason = f.getReason() + other(file, f.getFile());
        else reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String lower = reason.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("file too large") || lower.contains("no space left") || lower.contains("quota"))
            reason += " (the disk is full or a file-size limit was reached; files written before are intact)";
        return new CannotWriteException("cannot write " + file + ": " + reason, e);
    }

    private static String other(Path file, String reported) {
        return reported == null || reported.equals(file.toString()) || reported.endsWith(".tmp") ? "" : " (" + reported + ")";
    }

    /** An IOException whose message already names the file and reason. */
    public static final class CannotWriteException extends IOException {
        CannotWriteException(String message, IOException cause) {
            super(message, cause);
        }
    }
}
