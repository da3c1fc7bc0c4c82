package org.saifengine.saif;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BootstrapTest {
    @Test
    void intervalIsSeededAndCoversTheMean() {
        boolean[] v = new boolean[100];
        for (int i = 0; i < 30; i++) v[i * 3] = true;
        Bootstrap.Interval a = Bootstrap.ofBooleans(v, 2000, 42), b = Bootstrap.ofBooleans(v, 2000, 42);
        assertEquals(a, b);
        assertEquals(0.30, a.mean(), 1e-12);
        // normal approximation: 0.3 +- 1.96 * sqrt(0.3 * 0.7 / 100) = [0.21, 0.39]
        assertEquals(0.21, a.lo(), 0.03);
        assertEquals(0.39, a.hi(), 0.03);
        assertTrue(a.lo() < a.mean() && a.mean() < a.hi());
        Bootstrap.Interval constant = Bootstrap.ofBooleans(new boolean[]{true, true, true}, 100, 1);
        assertEquals(1.0, constant.lo());
        assertEquals(1.0, constant.hi());
        assertTrue(Double.isNaN(Bootstrap.ofBooleans(new boolean[0], 100, 1).mean()));
    }
}
