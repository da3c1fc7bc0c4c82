package org.saifengine.steer;

import java.util.Arrays;

/**
 * A steering intervention: add {@code schedule(step) * vector} to the residual stream at {@code hookPoint}
 * (a TransformerLens name such as blocks.4.hook_resid_post) at the covered positions, optionally rescaling each
 * steered vector back to its pre-steering L2 norm.
 *
 * @param vector      the direction times its strength (d_model floats)
 * @param hookPoint   where it is added
 * @param positions   which positions
 * @param fromStep    first generation step steered for positions = from-step
 * @param schedule    strength multiplier per generation step
 * @param renormalize keep each position's norm
 */
public record SteeringPlan(float[] vector, String hookPoint, Positions positions, int fromStep,
                           StrengthSchedule schedule, boolean renormalize) {

    public SteeringPlan {
        if (vector == null || vector.length == 0) throw new IllegalArgumentException("steering vector is empty");
        for (float f : vector) if (!Float.isFinite(f)) throw new IllegalArgumentException("steering vector contains NaN or infinity");
        if (hookPoint == null || hookPoint.isBlank()) throw new IllegalArgumentException("steering plan needs a hook point");
        if (fromStep < 0) throw new IllegalArgumentException("fromStep must be >= 0");
        vector = vector.clone();
    }

    public static SteeringPlan simple(float[] vector, String hookPoint, Positions positions) {
        return new SteeringPlan(vector, hookPoint, positions, 0, StrengthSchedule.CONSTANT, false);
    }

    /** The generation step of a position (0 for prompt positions and the last prompt token). */
    public static int stepOf(int pos, int promptLength) {
        return Math.max(0, pos - (promptLength - 1));
    }

    /** Steers one residual vector in place, if {@code pos} is covered. */
    public void apply(float[] h, int pos, int promptLength) {
        if (h.length != vector.length)
            throw new IllegalArgumentException("steering vector has " + vector.length + " dims, residual has " + h.length);
        if (!positions.covers(pos, promptLength, fromStep)) return;
        float s = (float) schedule.at(stepOf(pos, promptLength));
        if (s == 0f) return;
        double before = renormalize ? norm(h) : 0;
        for (int i = 0; i < h.length; i++) h[i] += s * vector[i];
        if (renormalize) {
            double after = norm(h);
            if (after > 0) {
                float scale = (float) (before / after);
                for (int i = 0; i < h.length; i++) h[i] *= scale;
            }
        }
    }

    public static double norm(float[] v) {
        double s = 0;
        for (float f : v) s += (double) f * f;
        return Math.sqrt(s);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SteeringPlan p && Arrays.equals(vector, p.vector) && hookPoint.equals(p.hookPoint)
                && positions == p.positions && fromStep == p.fromStep && schedule.equals(p.schedule) && renormalize == p.renormalize;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(vector) * 31 + hookPoint.hashCode();
    }
}
