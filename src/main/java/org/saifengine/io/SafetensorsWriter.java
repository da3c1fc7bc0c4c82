package org.saifengine.io;

import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes tensors in safetensors layout, atomically (temp file, then rename). */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        // Fixed key orders (sorted metadata, then dtype/shape/offsets), so that equal tensors give byte-identical files.
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new java.util.TreeMap<>(metadata));
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            if (t.dtype().safetensorsName == null) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' is " + t.dtype()
                        + ", which safetensors cannot store (dequantize it first)");
            }
            long end = offset + t.byteSize();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().safetensorsName);
            entry.put("shape", t.shape());
            entry.put("data_offsets", List.of(offset, end));
            header.put(e.getKey(), entry);
            offset = end;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // keep the data section 8-byte aligned, as the reference writer does
        byte[] headerBytes = new byte[json.length + pad];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < headerBytes.length; i++) headerBytes[i] = ' ';
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerBytes.length);
            out.write(len.array());
            out.write(headerBytes);
            byte[] chunk = new byte[1 << 20];
            for (Tensor t : tensors.values()) copy(t, out, chunk);
        });
    }

    private static void copy(Tensor t, OutputStream out, byte[] chunk) throws IOException {
        long size = t.byteSize();
        for (long pos = 0; pos < size; pos += chunk.length) {
            int n = (int) Math.min(chunk.length, size - pos);
            java.lang.foreign.MemorySegment.copy(t.data(), java.lang.foreign.ValueLayout.JAVA_BYTE, pos, chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }
}
