package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ArenaPlanTest {
    @Test
    void regionsAreAlignedAndDoNotOverlap() {
        ArenaPlan a = new ArenaPlan(1 << 20);
        long x = a.allocate("x", 4 * 64);
        long q = a.allocate("q", 3);
        long k = a.allocate("k", 0);
        long v = a.allocate("v", 257);
        assertEquals(0, x);
        assertEquals(256, q);
        assertEquals(512, k);
        assertEquals(512, v, "an empty region takes no space");
        assertEquals(512 + 512, a.used());
        for (long o : new long[] {x, q, k, v}) assertEquals(0, o % ArenaPlan.ALIGN);
        assertEquals(256, a.offset("q"));
        assertThrows(IllegalArgumentException.class, () -> a.offset("nope"));
        assertThrows(IllegalArgumentException.class, () -> a.allocate("x", 4));
    }

    @Test
    void resetFreesEverythingButThePeakIsRemembered() {
        ArenaPlan a = new ArenaPlan(Long.MAX_VALUE);
        a.allocate("big", 10_000);
        a.reset();
        assertEquals(0, a.used());
        assertEquals(0, a.allocate("big", 100));
        assertEquals(ArenaPlan.align(10_000), a.peak());
    }

    @Test
    void overflowNamesTheRegion() {
        ArenaPlan a = new ArenaPlan(1000);
        a.allocate("a", 700);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.allocate("logits", 100));
        assertTrue(e.getMessage().contains("logits"), e.getMessage());
        assertEquals(768, a.used(), "a failed allocation changes nothing");
        assertThrows(IllegalArgumentException.class, () -> a.allocate("neg", -1));
        assertThrows(IllegalArgumentException.class, () -> new ArenaPlan(-1));
    }

    @Test
    void alignRoundsUp() {
        assertEquals(0, ArenaPlan.align(0));
        assertEquals(256, ArenaPlan.align(1));
        assertEquals(256, ArenaPlan.align(256));
        assertEquals(512, ArenaPlan.align(257));
    }
}
