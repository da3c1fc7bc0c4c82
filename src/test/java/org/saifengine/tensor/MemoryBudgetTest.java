package org.saifengine.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryBudgetTest {
    private static final long GIB = 1L << 30, MIB = 1L << 20;

    @Test
    void parses_sizes_in_binary_units() {
        assertEquals(8 * GIB, MemoryBudget.parseBytes("8g"));
        assertEquals(8 * GIB, MemoryBudget.parseBytes("8GiB"));
        assertEquals(8 * GIB, MemoryBudget.parseBytes(" 8 GB "));
        assertEquals(512 * MIB, MemoryBudget.parseBytes("512m"));
        assertEquals(3 * GIB / 2, MemoryBudget.parseBytes("1.5g"));
        assertEquals(64 * 1024, MemoryBudget.parseBytes("64k"));
        assertEquals(2L << 40, MemoryBudget.parseBytes("2t"));
        assertEquals(1234, MemoryBudget.parseBytes("1234"));
        assertEquals(1234, MemoryBudget.parseBytes("1234b"));
    }

    @Test
    void rejects_unreadable_or_out_of_range_sizes() {
        for (String bad : new String[] {"", "g", "-1g", "8 gigs", "1e9", "0", "0.1", "99999999t", "NaN"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parseBytes(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new MemoryBudget(0, "x"));
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.offHeap("weights", -5));
    }

    @Test
    void option_absent_or_auto_means_detected_physical_memory() {
        for (String s : new String[] {null, "", "auto", " AUTO "}) {
            MemoryBudget b = MemoryBudget.fromOption(s);
            assertEquals("available physical memory", b.source());
            assertTrue(b.limitBytes() > 0);
        }
        MemoryBudget b = MemoryBudget.fromOption("4g");
        assertEquals(4 * GIB, b.limitBytes());
        assertEquals("--memory-budget 4g", b.source());
    }

    @Test
    void detected_memory_is_plausible_on_this_machine() {
        long avail = MemoryBudget.availablePhysicalBytes();
        long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        assertTrue(avail > 0 && avail <= total, "available " + avail + " of total " + total);
    }

    @Test
    void fitting_items_pass() {
        MemoryBudget b = new MemoryBudget(2 * GIB, "--memory-budget 2g");
        assertDoesNotThrow(() -> b.require("load model", MemoryBudget.offHeap("weights", GIB),
                MemoryBudget.offHeap("KV cache", GIB)));
    }

    @Test
    void refusal_names_the_task_every_size_and_the_budget() {
        MemoryBudget b = new MemoryBudget(2 * GIB, "--memory-budget 2g");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.require("loading model M",
                MemoryBudget.offHeap("weights", 3 * GIB / 2), MemoryBudget.offHeap("KV cache", 768 * MIB),
                MemoryBudget.onHeap("activations", 10 * MIB)));
        String m = e.getMessage();
        assertTrue(m.startsWith("loading model M needs 2.3 GiB"), m);
        assertTrue(m.contains("weights 1.5 GiB + KV cache 768 MiB + activations 10.0 MiB"), m);
        assertTrue(m.contains("the memory budget is 2.0 GiB (--memory-budget 2g)"), m);
    }

    @Test
    void sizes_that_would_overflow_a_long_are_refused_not_wrapped() {
        MemoryBudget b = new MemoryBudget(GIB, "x");
        assertThrows(IllegalStateException.class, () -> b.require("t",
                MemoryBudget.offHeap("a", Long.MAX_VALUE), MemoryBudget.offHeap("b", Long.MAX_VALUE)));
    }

    @Test
    void on_heap_items_must_also_fit_the_unused_heap() {
        long unused = MemoryBudget.unusedHeapBytes();
        MemoryBudget huge = new MemoryBudget(Long.MAX_VALUE, "test");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> huge.require("encode batch", MemoryBudget.onHeap("activations", unused + GIB)));
        assertTrue(e.getMessage().contains("of Java heap (activations"), e.getMessage());
        assertTrue(e.getMessage().contains("raise -Xmx"), e.getMessage());
        // The same bytes off-heap are only held against the budget.
        assertDoesNotThrow(() -> huge.require("map", MemoryBudget.offHeap("weights", unused + GIB)));
    }

    @Test
    void kv_cache_size_formula() {
        // SmolLM2-135M: 30 layers, 3 KV heads of 64, 2048 positions, 1 sequence, f32: 2*30*192*2048*4 bytes.
        assertEquals(2L * 30 * 3 * 64 * 2048 * 4, MemoryBudget.kvCacheBytes(30, 3, 64, 2048, 1, DType.F32));
        assertThrows(ArithmeticException.class, () -> MemoryBudget.kvCacheBytes(1 << 20, 1 << 20, 1 << 20, 1 << 20, 1, DType.F32));
    }

    @Test
    void human_readable_sizes() {
        assertEquals("12 B", MemoryBudget.human(12));
        assertEquals("1.0 KiB", MemoryBudget.human(1024));
        assertEquals("1.5 GiB", MemoryBudget.human(3 * GIB / 2));
        assertEquals("768 MiB", MemoryBudget.human(768 * MIB));
    }
}
