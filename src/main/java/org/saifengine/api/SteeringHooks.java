package org.saifengine.api;

import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Positions;
import org.saifengine.steer.SteeringPlan;

/** Turns a {@link SteeringPlan} into the model's per-sequence {@link Hooks}. */
public final class SteeringHooks {
    private SteeringHooks() {}

    /**
     * Hooks that apply the plan to one sequence whose prompt has {@code promptLength} tokens (the plan decides per
     * position whether and how strongly to steer). A null plan gives no hooks.
     */
    public static Hooks of(SteeringPlan plan, int promptLength) {
        if (plan == null) return Hooks.NONE;
        HookPoint point = HookPoint.parse(plan.hookPoint());
        return Hooks.builder().edit(point, Positions.all(), (pos, x) -> plan.apply(x, pos, promptLength)).build();
    }
}
