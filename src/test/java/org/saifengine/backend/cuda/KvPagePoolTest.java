package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KvPagePoolTest {
    @Test
    void slotsFollowThePageTable() {
        KvPagePool pool = new KvPagePool(4, 8);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, pool.append(0, 6));   // pages 0, 1
        assertArrayEquals(new int[] {8, 9, 10}, pool.append(1, 3));          // page 2
        assertArrayEquals(new int[] {6, 7, 12}, pool.append(0, 3));          // rest of page 1, then page 3
        assertEquals(9, pool.length(0));
        assertArrayEquals(new int[] {0, 1, 3, 0, 0}, pool.pageTable(0, 5));
        assertEquals(12, pool.slot(0, 8));
        assertEquals(9, pool.slot(1, 1));
        assertEquals(4, pool.freePages());
        assertThrows(IllegalArgumentException.class, () -> pool.slot(0, 9));
        assertThrows(IllegalArgumentException.class, () -> pool.pageTable(0, 2));
    }

    @Test
    void releasedPagesAreReusedLowestFirst() {
        KvPagePool pool = new KvPagePool(2, 4);
        pool.append(0, 4);  // pages 0, 1
        pool.append(1, 2);  // page 2
        pool.release(0);
        assertEquals(3, pool.freePages());
        assertEquals(0, pool.length(0));
        assertArrayEquals(new int[] {0, 1, 2}, pool.append(2, 3));  // pages 0, 1
        assertArrayEquals(new int[] {6, 7}, pool.append(1, 2), "sequence 1 continues on the one free page, 3");
        assertEquals(0, pool.freePages());
    }

    @Test
    void aFullPoolFailsWithoutChangingAnything() {
        KvPagePool pool = new KvPagePool(16, 2);
        pool.append(0, 20);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.append(1, 17));
        assertTrue(e.getMessage().contains("KV cache full"), e.getMessage());
        assertEquals(0, pool.freePages());
        assertEquals(0, pool.length(1));
        assertArrayEquals(new int[] {20, 21, 22, 23}, pool.append(0, 4), "sequence 0 still grows within its page");
        assertThrows(IllegalStateException.class, () -> pool.append(0, 9));
    }

    @Test
    void everySlotIsOwnedByOneSequence() {
        KvPagePool pool = new KvPagePool(3, 40);
        Set<Integer> seen = new HashSet<>();
        java.util.Random r = new java.util.Random(7);
        for (int step = 0; step < 30; step++) {
            int seq = step % 4;
            for (int s : pool.append(seq, 1 + r.nextInt(3))) assertTrue(seen.add(s), "slot " + s + " handed out twice");
        }
        assertEquals(KvPagePool.pagesFor(2, 10, 4), 6);
        assertThrows(IllegalArgumentException.class, () -> new KvPagePool(0, 1));
    }
}
