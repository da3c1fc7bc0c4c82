package org.saifengine.steer;

/**
 * Strength multiplier over generation steps: {@code start} at step 0 moving linearly to {@code end} at step
 * {@code rampSteps} and staying there. Prompt positions count as step 0. Constant 1 is (1, 1, 0).
 */
public record StrengthSchedule(double start, double end, int rampSteps) {
    public static final StrengthSchedule CONSTANT = new StrengthSchedule(1, 1, 0);

    public StrengthSchedule {
        if (!Double.isFinite(start) || !Double.isFinite(end)) throw new IllegalArgumentException("strength schedule values must be finite");
        if (rampSteps < 0) throw new IllegalArgumentException("rampSteps must be >= 0, got " + rampSteps);
    }

    /** "const", or "linear:START:END:STEPS". */
    public static StrengthSchedule parse(String s) {
        if (s.equals("const") || s.equals("constant")) return CONSTANT;
        String[] p = s.split(":");
        if (p.length == 4 && p[0].equals("linear")) {
            try {
                return new StrengthSchedule(Double.parseDouble(p[1]), Double.parseDouble(p[2]), Integer.parseInt(p[3]));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("strength schedule must be 'const' or 'linear:START:END:STEPS', got '" + s + "'");
    }

    public double at(int step) {
        if (step >= rampSteps) return end;
        return start + (end - start) * Math.max(0, step) / rampSteps;
    }

    @Override
    public String toString() {
        return this.equals(CONSTANT) ? "const" : "linear:" + start + ":" + end + ":" + rampSteps;
    }
}
