package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.junit.jupiter.api.Test;

/** The native argument array cuLaunchKernel reads: each entry points at a value of the kernel parameter's C type. */
class KernelArgsTest {
    @Test
    void eachEntryPointsAtItsValueInTheKernelsCType() {
        try (KernelArgs a = new KernelArgs().ptr(0x7f00_1234_5678L).i32(-5).f32(1.5f).i64(-9_000_000_000L).ptr((DeviceBuffer) null)) {
            assertEquals("piflp", a.kinds());
            PointerPointer<Pointer> arr = a.array();
            assertEquals(0x7f00_1234_5678L, new LongPointer(arr.get(0)).get());
            assertEquals(-5, new IntPointer(arr.get(1)).get());
            assertEquals(1.5f, new FloatPointer(arr.get(2)).get());
            assertEquals(-9_000_000_000L, new LongPointer(arr.get(3)).get());
            assertEquals(0L, new LongPointer(arr.get(4)).get());
            assertEquals(arr.get(0).address() + 8, arr.get(1).address(), "8-byte slots");
        }
    }
}
