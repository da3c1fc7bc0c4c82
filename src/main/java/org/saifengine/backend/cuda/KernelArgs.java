package org.saifengine.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The argument list of one cuLaunchKernel call, in the kernel's parameter order. Values are kept as Java values
 * with a kind letter each (p pointer, l long long, i int, f float: tests compare {@link #kinds()} with the .cu
 * signature); {@link #array()} materializes the native array of pointers-to-values that cuLaunchKernel reads, freed
 * by {@link #close()} (the driver copies the values at launch, and a graph capture copies them into the graph).
 */
final class KernelArgs implements AutoCloseable {
    private final List<Object> values = new ArrayList<>();
    private final StringBuilder kinds = new StringBuilder();
    private final List<Pointer> natives = new ArrayList<>();
    private PointerPointer<Pointer> array;

    KernelArgs ptr(DeviceBuffer b) {
        return ptr(b == null ? 0L : b.address());
    }

    KernelArgs ptr(long address) {
        values.add(address);
        kinds.append('p');
        return this;
    }

    KernelArgs i64(long v) {
        values.add(v);
        kinds.append('l');
        return this;
    }

    KernelArgs i32(int v) {
        values.add(v);
        kinds.append('i');
        return this;
    }

    KernelArgs f32(float v) {
        values.add(v);
        kinds.append('f');
        return this;
    }

    /** One letter per argument: p (pointer), l (long long), i (int), f (float). */
    String kinds() {
        return kinds.toString();
    }

    List<Object> values() {
        return List.copyOf(values);
    }

    /**
     * One native block of 8-byte slots holds every value (ints and floats in the low 4 bytes: x86-64 is little
     * endian) and a pointer array points into it: two allocations per launch whatever the arity.
     */
    PointerPointer<Pointer> array() {
        if (array == null) {
            int n = values.size();
            LongPointer block = new LongPointer(Math.max(1, n));
            natives.add(block);
            array = new PointerPointer<>(Math.max(1, n));
            for (int i = 0; i < n; i++) {
                long slot = switch (values.get(i)) {
                    case Long v -> v;
                    case Integer v -> v & 0xffffffffL;
                    case Float v -> Float.floatToRawIntBits(v) & 0xffffffffL;
                    default -> throw new IllegalStateException("unsupported kernel argument " + values.get(i));
                };
                block.put(i, slot);
                array.put(i, new RawPointer(block.address() + 8L * i));
            }
        }
        return array;
    }

    @Override
    public void close() {
        if (array != null) array.close();
        for (Pointer p : natives) p.close();
        natives.clear();
        array = null;
    }
}
