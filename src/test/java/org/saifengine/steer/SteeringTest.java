package org.saifengine.steer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SteeringTest {
    static final float[][] DEC = {{1, 0, 0}, {0, 2, 0}, {0, 0, 3}, {1, 1, 1}};

    @Test
    void saifVectorIsAlphaTimesCoefficientWeightedDecoderRows() {
        float[] v = SteeringVectors.saif(List.of(1, 3), new float[]{0.5f, 2f}, j -> DEC[j], 2.0);
        assertArrayEquals(new float[]{4, 6, 4}, v, 1e-6f); // 2 * (0.5*(0,2,0) + 2*(1,1,1))
        assertThrows(IllegalArgumentException.class, () -> SteeringVectors.saif(List.of(), new float[0], j -> DEC[j], 1));
    }

    @Test
    void differenceOfMeansAndRandomControlHaveTheAskedNorms() {
        float[] u = SteeringVectors.differenceOfMeans(new float[]{3, 4, 0}, 10);
        assertArrayEquals(new float[]{6, 8, 0}, u, 1e-6f);
        var rc = SteeringVectors.randomLatents(4, 2, List.of(0), new float[]{1, 1}, j -> DEC[j], 5.0, 7);
        assertEquals(2, rc.latents().size());
        assertFalse(rc.latents().contains(0));
        assertEquals(5.0, SteeringPlan.norm(rc.vector()), 1e-5);
        assertEquals(rc.latents(), SteeringVectors.randomLatents(4, 2, List.of(0), new float[]{1, 1}, j -> DEC[j], 5.0, 7).latents());
        assertThrows(IllegalArgumentException.class, () -> SteeringVectors.differenceOfMeans(new float[3], 1));
    }

    @Test
    void planCoversTheRightPositionsWithScheduleAndRenormalisation() {
        float[] v = {1, 0};
        // prompt of 4 tokens: positions 0..3; position 3 produces the first generated token
        SteeringPlan gen = SteeringPlan.simple(v, "blocks.0.hook_resid_post", Positions.GENERATED);
        float[] h = {0, 0};
        gen.apply(h, 2, 4);
        assertArrayEquals(new float[]{0, 0}, h);
        gen.apply(h, 3, 4);
        assertArrayEquals(new float[]{1, 0}, h);
        SteeringPlan prompt = SteeringPlan.simple(v, "blocks.0.hook_resid_post", Positions.PROMPT);
        float[] p = {0, 0};
        prompt.apply(p, 4, 4);
        assertArrayEquals(new float[]{0, 0}, p);
        SteeringPlan ramp = new SteeringPlan(v, "blocks.0.hook_resid_post", Positions.FROM_STEP, 2, StrengthSchedule.parse("linear:0:1:4"), false);
        float[] r = {0, 0};
        ramp.apply(r, 4, 4); // step 1 < fromStep 2
        assertArrayEquals(new float[]{0, 0}, r);
        ramp.apply(r, 5, 4); // step 2: strength 0.5
        assertArrayEquals(new float[]{0.5f, 0}, r, 1e-6f);
        SteeringPlan renorm = new SteeringPlan(new float[]{3, 0}, "blocks.0.hook_resid_post", Positions.ALL, 0, StrengthSchedule.CONSTANT, true);
        float[] n = {0, 2};
        renorm.apply(n, 0, 1);
        assertEquals(2.0, SteeringPlan.norm(n), 1e-6);
        assertTrue(n[0] > 0);
        assertThrows(IllegalArgumentException.class, () -> gen.apply(new float[3], 3, 4));
        assertThrows(IllegalArgumentException.class, () -> SteeringPlan.simple(new float[]{Float.NaN}, "x", Positions.ALL));
        assertThrows(IllegalArgumentException.class, () -> StrengthSchedule.parse("linear:a:b"));
        assertThrows(IllegalArgumentException.class, () -> Positions.parse("middle"));
    }
}
