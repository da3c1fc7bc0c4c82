package org.saifengine.io;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import org.saifengine.tensor.DType;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file. Every tensor is a view into the mapping; the header is validated strictly
 * (size limit, known dtype, offsets inside the data section, no overlaps, bytes = shape x dtype) before any
 * tensor is handed out, so no later read can leave the file.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Same limit as the reference implementation (100 MB of JSON). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Rejects trailing garbage after the JSON object (the reference parser does too); padding spaces are fine. */
    private static final ObjectReader HEADER_READER =
            Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path path;
    private final Arena arena;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return open(path, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsFile open(Path path, Arena arena) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException(Files.exists(path) ? path + " is not a regular file" : "file not found: " + path);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) throw bad(path, "file is " + fileSize + " bytes, shorter than the 8-byte header length");
            return parse(path, ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena), arena);
        }
    }

    /**
     * Reads safetensors bytes already in memory (no copy; the tensors are views of {@code bytes}). {@code name}
     * only labels error messages. Used for data that never was a file, and by the fuzz tests.
     */
    public static SafetensorsFile fromBytes(byte[] bytes, String name) throws IOException {
        Path label = Path.of(name);
        if (bytes.length < 8) throw bad(label, "file is " + bytes.length + " bytes, shorter than the 8-byte header length");
        return parse(label, MemorySegment.ofArray(bytes), null);
    }

    /** Validates the whole file image and builds the tensor views; {@code arena} (may be null) owns the mapping. */
    private static SafetensorsFile parse(Path path, MemorySegment whole, Arena arena) throws IOException {
        long fileSize = whole.byteSize();
        long headerLen = whole.get(Tensor.I64_LE, 0);
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
            throw bad(path, "header length " + headerLen + " is outside [2, " + MAX_HEADER_BYTES + "]");
        }
        if (8 + headerLen > fileSize) {
            throw bad(path, "header length " + headerLen + " goes beyond the end of the file (" + fileSize + " bytes)");
        }
        String headerText;
        try {
            headerText = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(whole.asSlice(8, headerLen).asByteBuffer()).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "header is not valid UTF-8");
        }
        JsonNode header;
        try {
            header = HEADER_READER.readTree(headerText);
        } catch (IOException e) {
            throw bad(path, "header is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (header == null || !header.isObject()) throw bad(path, "header is not a JSON object");

        long dataStart = 8 + headerLen;
        long dataSize = fileSize - dataStart;
        MemorySegment mapped = whole.asSlice(dataStart, dataSize);

        Map<String, String> metadata = new LinkedHashMap<>();
        record Entry(String name, DType dtype, long[] shape, long begin, long end) {}
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            var f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw bad(path, "__metadata__ is not an object");
                for (var m : v.properties()) {
                    if (!m.getValue().isTextual()) throw bad(path, "__metadata__ value '" + m.getKey() + "' is not a string");
                    metadata.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            if (!v.isObject() || !v.has("dtype") || !v.has("shape") || !v.has("data_offsets")) {
                throw bad(path, "tensor '" + name + "' lacks dtype, shape or data_offsets");
            }
            DType dtype;
            try {
                dtype = DType.fromSafetensors(v.get("dtype").asText());
            } catch (IllegalArgumentException e) {
                throw bad(path, "tensor '" + name + "': " + e.getMessage());
            }
            JsonNode sh = v.get("shape");
            JsonNode off = v.get("data_offsets");
            if (!sh.isArray() || !off.isArray() || off.size() != 2) {
                throw bad(path, "tensor '" + name + "' has a malformed shape or data_offsets");
            }
            long[] shape = new long[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                if (!isLong(sh.get(i)) || sh.get(i).asLong() < 0) {
                    throw bad(path, "tensor '" + name + "' has an invalid dimension " + sh.get(i));
                }
                shape[i] = sh.get(i).asLong();
            }
            if (!isLong(off.get(0)) || !isLong(off.get(1))) {
                throw bad(path, "tensor '" + name + "' has invalid data_offsets " + off);
            }
            long begin = off.get(0).asLong(), end = off.get(1).asLong();
            if (begin < 0 || end < begin) throw bad(path, "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "]");
            if (end > dataSize) {
                throw bad(path, "tensor '" + name + "' ends at byte " + end + " beyond the data section (" + dataSize + " bytes)");
            }
            long expected;
            try {
                expected = Math.multiplyExact(Tensor.numel(shape), (long) dtype.bytes);
            } catch (ArithmeticException e) {
                throw bad(path, "tensor '" + name + "' has a shape whose size overflows");
            }
            if (end - begin != expected) {
                throw bad(path, "tensor '" + name + "' has " + (end - begin) + " bytes but shape x dtype needs " + expected);
            }
            entries.add(new Entry(name, dtype, shape, begin, end));
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin < a.end) throw bad(path, "tensors '" + a.name + "' and '" + b.name + "' overlap");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            tensors.put(e.name, new Tensor(e.dtype, e.shape, mapped.asSlice(e.begin, e.end - e.begin)));
        }
        return new SafetensorsFile(path, arena, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    /** An integer JSON number that fits a long (2.5, 1e3, "3" and NaN are not). */
    private static boolean isLong(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong();
    }

    private static IOException bad(Path path, String why) {
        return new InvalidFileException("invalid safetensors file " + path + ": " + why);
    }

    public Path path() { return path; }

    public Map<String, Tensor> tensors() { return tensors; }

    public Map<String, String> metadata() { return metadata; }

    public boolean has(String name) { return tensors.containsKey(name); }

    /** The named tensor, or a clear error naming the file and the missing tensor. */
    public Tensor get(String name) throws InvalidFileException {
        Tensor t = tensors.get(name);
        if (t == null) throw new InvalidFileException("tensor '" + name + "' is missing from " + path);
        return t;
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }
}
