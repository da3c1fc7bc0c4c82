package org.saifengine.io.npy;

import org.saifengine.io.InvalidFileException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a NumPy .npz archive: a zip of .npy members (np.savez stores them, np.savez_compressed deflates them; both
 * may use zip64 records). java.util.zip.ZipFile handles stored and deflated entries and zip64 central directories.
 */
public final class NpzFile {
    private NpzFile() {}

    /** All arrays, keyed by member name without the ".npy" suffix, in archive order. */
    public static Map<String, NpyArray> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("file not found: " + file);
        Map<String, NpyArray> out = new LinkedHashMap<>();
        long fileBytes = Files.size(file);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) continue;
                String name = e.getName();
                String key = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(key, NpyReader.read(in, file + "!" + name, plausibleSize(e, fileBytes)));
                } catch (ZipException ze) {
                    throw new InvalidFileException("invalid .npz file " + file + ": entry " + name + ": " + ze.getMessage());
                } catch (EOFException eof) { // java.util.zip says nothing when a member's data lies beyond the file
                    throw new InvalidFileException("invalid .npz file " + file + ": entry " + name + " is cut off (the archive ends inside it)");
                }
            }
        } catch (ZipException e) {
            throw new InvalidFileException("invalid .npz file " + file + ": " + e.getMessage());
        } catch (EOFException e) {
            throw new InvalidFileException("invalid .npz file " + file + ": the archive ends early");
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The member's size as the zip directory claims it, if the archive could hold that much; else -1 (unknown), so
     * that NpyReader grows its array with the data actually inflated instead of allocating what a forged header says.
     */
    static long plausibleSize(ZipEntry e, long fileBytes) {
        long size = e.getSize(), packed = e.getCompressedSize();
        if (size < 0 || packed < 0 || packed > fileBytes) return -1;
        long most = e.getMethod() == ZipEntry.STORED ? packed : packed * MAX_DEFLATE_RATIO;
        return size <= most ? size : -1;
    }

    /** Deflate expands its input at most about 1032 times (258-byte matches coded in 2 bits). */
    private static final long MAX_DEFLATE_RATIO = 1032;
}
