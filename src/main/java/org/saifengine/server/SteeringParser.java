package org.saifengine.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.model.HookPoint;
import org.saifengine.model.ModelConfig;
import org.saifengine.steer.Positions;
import org.saifengine.steer.SteeringPlan;
import org.saifengine.steer.StrengthSchedule;

/**
 * The {@code steering} extension field of a completion request to a {@link SteeringPlan}. Components are summed into
 * one vector added at one hook point:
 * <pre>
 * "steering": {
 *   "hook": "blocks.2.hook_resid_post",     // or "layer": 2 (resid_post); defaults to the SAE's hook with latents
 *   "latents": [{"sae": "res2", "index": 7, "strength": 4.0}],
 *   "saif_run": {"name": "lowercase", "alpha": 1.0},   // alpha defaults to the run's own
 *   "vector": [...d_model floats...], "strength": 1.0,
 *   "positions": "all" | "prompt" | "generated" | "from-step", "from_step": 0,
 *   "schedule": "const" | "linear:START:END:STEPS" | {"start": 0, "end": 1, "ramp_steps": 8},
 *   "renormalize": false
 * }</pre>
 * Only SAEs and SAIF runs registered at start-up can be named; there is no way to name a file.
 */
final class SteeringParser {
    private final ModelConfig config;
    private final Registry registry;

    SteeringParser(ModelConfig config, Registry registry) {
        this.config = config;
        this.registry = registry;
    }

    /** The plan, or null when the field is absent or null. */
    SteeringPlan parse(JsonNode request) {
        JsonNode s = JsonFields.object(request, "steering", "");
        if (s == null) return null;
        final String p = "steering.";
        int d = config.hiddenSize();
        float[] v = new float[d];
        boolean any = false;
        String hook = hookOf(s, p);

        JsonNode latents = JsonFields.array(s, "latents", p);
        if (latents != null) {
            for (int i = 0; i < latents.size(); i++) {
                String lp = p + "latents[" + i + "].";
                JsonNode l = latents.get(i);
                if (!l.isObject()) throw ApiException.badRequest(lp.substring(0, lp.length() - 1) + " must be an object {sae, index, strength}");
                Registry.Dictionary sae = registry.sae(JsonFields.string(l, "sae", lp, null), lp + "sae");
                if (!JsonFields.has(l, "index")) throw ApiException.badRequest(lp + "index is missing");
                int index = JsonFields.integer(l.get("index"), lp + "index");
                if (index < 0 || index >= sae.dSae()) {
                    throw ApiException.badRequest(lp + "index " + index + " is outside SAE '" + sae.name() + "' latents [0, " + sae.dSae() + ")");
                }
                double strength = JsonFields.number(l, "strength", lp, 1.0);
                if (hook == null) hook = sae.hookPoint();
                else if (!hook.equals(sae.hookPoint())) {
                    throw ApiException.badRequest(lp + "sae '" + sae.name() + "' reads " + sae.hookPoint()
                            + " but the steering hook is " + hook + ": all components must act at one hook point");
                }
                addScaled(v, sae.decoderRow(index), strength, lp + "sae");
                any = true;
            }
        }

        JsonNode run = JsonFields.object(s, "saif_run", p);
        if (run != null) {
            Registry.SaifRun r = registry.saifRun(JsonFields.string(run, "name", p + "saif_run.", null), p + "saif_run.name");
            double alpha = JsonFields.number(run, "alpha", p + "saif_run.", r.defaultAlpha());
            if (hook == null) hook = r.hookPoint();
            else if (!hook.equals(r.hookPoint())) {
                throw ApiException.badRequest(p + "saif_run '" + r.name() + "' steers " + r.hookPoint() + " but the steering hook is "
                        + hook + ": all components must act at one hook point");
            }
            addScaled(v, r.vector(), alpha, p + "saif_run");
            any = true;
        }

        JsonNode raw = JsonFields.array(s, "vector", p);
        if (raw != null) {
            if (raw.size() != d) throw ApiException.badRequest(p + "vector has " + raw.size() + " values but the model's d_model is " + d);
            double strength = JsonFields.number(s, "strength", p, 1.0);
            float[] r = new float[d];
            for (int i = 0; i < d; i++) r[i] = (float) JsonFields.finite(raw.get(i), p + "vector[" + i + "]");
            addScaled(v, r, strength, p + "vector");
            any = true;
        } else if (JsonFields.has(s, "strength")) {
            throw ApiException.badRequest(p + "strength scales a raw vector, but no steering.vector is given (latents carry their own strength)");
        }
        if (!any) throw ApiException.badRequest("steering needs at least one of latents, saif_run or vector");
        if (hook == null) throw ApiException.badRequest("steering needs a hook point: give steering.hook (e.g. blocks.2.hook_resid_post) or steering.layer");

        Positions positions;
        try {
            positions = Positions.parse(JsonFields.string(s, "positions", p, "all"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(p + e.getMessage());
        }
        int fromStep = JsonFields.integer(s, "from_step", p, 0);
        if (fromStep < 0) throw ApiException.badRequest(p + "from_step must be >= 0, got " + fromStep);
        if (fromStep > 0 && positions != Positions.FROM_STEP) {
            throw ApiException.badRequest(p + "from_step needs positions \"from-step\"");
        }
        StrengthSchedule schedule = schedule(s, p);
        boolean renormalize = JsonFields.bool(s, "renormalize", p, false);
        return new SteeringPlan(v, hook, positions, fromStep, schedule, renormalize);
    }

    private String hookOf(JsonNode s, String p) {
        String hook = JsonFields.string(s, "hook", p, null);
        boolean hasLayer = JsonFields.has(s, "layer");
        if (hook != null && hasLayer) throw ApiException.badRequest(p + "give either hook or layer, not both");
        HookPoint point;
        if (hook != null) {
            try {
                point = HookPoint.parse(hook);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(p + "hook: " + e.getMessage());
            }
        } else if (hasLayer) {
            int layer = JsonFields.integer(s.get("layer"), p + "layer");
            if (layer < 0) throw ApiException.badRequest(p + "layer " + layer + " is outside the model's layers 0.." + (config.layers() - 1));
            point = HookPoint.residPost(layer);
        } else {
            return null;
        }
        if (point.layer() >= config.layers()) {
            throw ApiException.badRequest(p + (hasLayer ? "layer " : "hook layer ") + point.layer() + " is outside the model's layers 0.."
                    + (config.layers() - 1));
        }
        return point.toString();
    }

    private static StrengthSchedule schedule(JsonNode s, String p) {
        if (!JsonFields.has(s, "schedule")) return StrengthSchedule.CONSTANT;
        JsonNode n = s.get("schedule");
        try {
            if (n.isTextual()) return StrengthSchedule.parse(n.asText());
            if (n.isObject()) {
                String sp = p + "schedule.";
                return new StrengthSchedule(JsonFields.number(n, "start", sp, 1.0), JsonFields.number(n, "end", sp, 1.0),
                        JsonFields.integer(n, "ramp_steps", sp, 0));
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(p + "schedule: " + e.getMessage());
        }
        throw ApiException.badRequest(p + "schedule must be \"const\", \"linear:START:END:STEPS\" or {start, end, ramp_steps}");
    }

    private void addScaled(float[] v, float[] row, double scale, String what) {
        if (row.length != v.length) {
            throw ApiException.badRequest(what + " has width " + row.length + " but the model's d_model is " + v.length);
        }
        for (int i = 0; i < v.length; i++) v[i] += (float) (scale * row[i]);
        for (float f : v) if (!Float.isFinite(f)) throw ApiException.badRequest("steering vector overflows (non-finite values): lower the strengths");
    }
}
