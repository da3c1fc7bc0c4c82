package org.saifengine.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Element counts of shapes, whatever the order of their dimensions. */
class TensorNumelTest {
    private static final long BIG = 1L << 40;

    @Test
    void anyZeroDimensionIsEmptyWhereverItStands() {
        // found by review of the GGUF fuzz target: [2^40, 2^40, 0] overflowed before reaching the 0
        assertEquals(0, Tensor.numel(new long[] {BIG, BIG, 0}));
        assertEquals(0, Tensor.numel(new long[] {0, BIG, BIG}));
        assertEquals(0, Tensor.numel(new long[] {BIG, 0, BIG}));
    }

    @Test
    void productsAndLimits() {
        assertEquals(1, Tensor.numel(new long[0]));
        assertEquals(24, Tensor.numel(new long[] {2, 3, 4}));
        assertEquals(Long.MAX_VALUE, Tensor.numel(new long[] {1, Long.MAX_VALUE}));
        assertThrows(ArithmeticException.class, () -> Tensor.numel(new long[] {BIG, BIG, 1}));
        assertThrows(IllegalArgumentException.class, () -> Tensor.numel(new long[] {0, -1}));
    }
}
