package org.saifengine.io.gguf;

import org.saifengine.io.InvalidFileException;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped GGUF file (versions 2 and 3, little-endian). The whole header is parsed and validated when the
 * file is opened ({@link GgufHeaderParser}); afterwards every tensor's bytes are known to lie inside the mapping, so
 * {@link #raw(GgufTensorInfo)} hands out bounds-checked views and {@link #dequantize} cannot read past the file.
 */
public final class GgufFile implements AutoCloseable {
    public static final String ALIGNMENT_KEY = "general.alignment";
    public static final int DEFAULT_ALIGNMENT = 32;

    private final Path path;
    private final Arena arena;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final MemorySegment data;
    private final long alignment;
    private final long dataStart;

    private GgufFile(Path path, Arena arena, int version, Map<String, GgufValue> metadata,
                     Map<String, GgufTensorInfo> tensors, MemorySegment data, long alignment, long dataStart) {
        this.path = path;
        this.arena = arena;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.data = data;
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    public static GgufFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException("GGUF file not found: " + path);
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment whole = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return of(whole, path, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** A GGUF held in memory (e.g. a test's bytes); {@code label} names it in messages. Closing closes the arena. */
    static GgufFile of(MemorySegment whole, Path label, Arena arena) throws InvalidFileException {
        GgufHeaderParser.Header h;
        try {
            h = new GgufHeaderParser(whole).parse();
        } catch (InvalidFileException e) {
            throw new InvalidFileException(label + ": " + e.getMessage());
        }
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (GgufTensorInfo t : h.tensors()) byName.put(t.name(), t);
        MemorySegment data = whole.asSlice(Math.min(h.dataStart(), whole.byteSize()));
        return new GgufFile(label, arena, h.version(), Collections.unmodifiableMap(h.metadata()),
                Collections.unmodifiableMap(byName), data, h.alignment(), h.dataStart());
    }

    public Path path() { return path; }

    public int version() { return version; }

    public long alignment() { return alignment; }

    /** File offset where the tensor data section starts (header end, aligned). */
    public long dataStart() { return dataStart; }

    public Map<String, GgufValue> metadata() { return metadata; }

    /** Tensors in file order. */
    public Map<String, GgufTensorInfo> tensors() { return tensors; }

    public GgufValue get(String key) throws InvalidFileException {
        GgufValue v = metadata.get(key);
        if (v == null) throw new InvalidFileException(path + ": metadata key '" + key + "' is missing");
        return v;
    }

    public GgufTensorInfo tensor(String name) throws InvalidFileException {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) throw new InvalidFileException(path + ": no tensor named '" + name + "'");
        return t;
    }

    /** The tensor's stored bytes (quantized blocks as they are), a view into the mapping valid until close(). */
    public MemorySegment raw(GgufTensorInfo t) {
        return data.asSlice(t.offset(), t.bytes());
    }

    /** The tensor converted to F32 (exact) or BF16 (rounded to nearest even), in memory owned by the arena. */
    public Tensor dequantize(GgufTensorInfo t, DType target, Arena into) {
        if (target != DType.F32 && target != DType.BF16) {
            throw new IllegalArgumentException("GGUF tensors dequantize to f32 or bf16, not " + target);
        }
        long n = t.numel();
        Tensor out = Tensor.allocate(into, target, t.shape());
        if (target == DType.F32) {
            Dequantizer.toF32(t.type(), raw(t), n, out.data());
        } else {
            Dequantizer.toBf16(t.type(), raw(t), n, out.data());
        }
        return out;
    }

    /**
     * Drops the tensor's pages from this process's resident set (madvise DONTNEED on the mapping) once it has been
     * converted: the mapping stays valid and a later read faults them back in from the page cache. Without this a
     * model dequantized at load holds the whole file resident on top of the converted weights until close().
     * No-op for a GGUF held in memory.
     */
    public void release(GgufTensorInfo t) {
        MemorySegment s = raw(t);
        if (s.isMapped() && s.byteSize() > 0) s.unload();
    }

    /** Tensor names sorted by where their data lies (for sequential reads). */
    public List<GgufTensorInfo> tensorsByOffset() {
        List<GgufTensorInfo> l = new ArrayList<>(tensors.values());
        l.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        return l;
    }

    @Override
    public void close() {
        arena.close();
    }
}
