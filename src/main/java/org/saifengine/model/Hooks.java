package org.saifengine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Captures and interventions for one sequence of one forward call (or of a whole generation). A forward call
 * without hooks (null or {@link #NONE}) does no extra work. At each {@link HookPoint}, entries run in the order
 * they were added, on the d_model vector of each token whose position the entry's {@link Positions} contains; a
 * capture added after an intervention sees the changed vector. Only the rows of selected positions are read
 * back, never the whole sequence.
 *
 * <pre>{@code
 * float[] v = ...;                                               // a steering direction, length d_model
 * Hooks hooks = Hooks.builder()
 *     .capture("blocks.2.hook_resid_post", Positions.of(4),       // read one token's residual
 *              (seq, pos, x) -> saved.put(pos, x.clone()))        // x is reused: copy it if kept
 *     .add("blocks.3.hook_resid_post", Positions.from(5), v, 4f)  // steer every token from position 5 on
 *     .build();
 * model.forward(List.of(new Model.Input(seq, ids, hooks)), false);
 * }</pre>
 */
public final class Hooks {
    /** Receives a captured vector; {@code sequence} is the index of the sequence in the batch. */
    @FunctionalInterface
    public interface Capture {
        void accept(int sequence, int position, float[] vector);
    }

    /** Changes a vector in place. */
    @FunctionalInterface
    public interface Edit {
        void apply(int position, float[] vector);
    }

    /** One hook: a capture (edit == null) or an intervention (capture == null). */
    record Entry(HookPoint point, Positions positions, Capture capture, Edit edit) {}

    public static final Hooks NONE = new Hooks(List.of());

    private final List<Entry> entries;
    /** entries by layer * KINDS + kind, null where none. */
    private final List<Entry>[] byPoint;
    private final int maxLayer;
    private static final int KINDS = HookPoint.Kind.values().length;

    @SuppressWarnings("unchecked")
    private Hooks(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        int max = -1;
        for (Entry e : entries) max = Math.max(max, e.point.layer());
        this.maxLayer = max;
        this.byPoint = new List[(max + 1) * KINDS];
        for (Entry e : entries) {
            int i = e.point.layer() * KINDS + e.point.kind().ordinal();
            if (byPoint[i] == null) byPoint[i] = new ArrayList<>();
            byPoint[i].add(e);
        }
    }

    public static Builder builder() { return new Builder(); }

    public boolean isEmpty() { return entries.isEmpty(); }

    /** The highest layer any entry names, or -1. */
    public int maxLayer() { return maxLayer; }

    /** Entries at a point, or null. */
    List<Entry> at(int layer, HookPoint.Kind kind) {
        int i = layer * KINDS + kind.ordinal();
        return i < byPoint.length ? byPoint[i] : null;
    }

    /** This hooks' entries followed by other's. */
    public Hooks and(Hooks other) {
        if (other == null || other.isEmpty()) return this;
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new Hooks(all);
    }

    public static final class Builder {
        private final List<Entry> entries = new ArrayList<>();

        public Builder capture(String point, Positions positions, Capture capture) {
            return capture(HookPoint.parse(point), positions, capture);
        }

        public Builder capture(HookPoint point, Positions positions, Capture capture) {
            entries.add(new Entry(point, positions, java.util.Objects.requireNonNull(capture), null));
            return this;
        }

        /** x += scale * v. */
        public Builder add(String point, Positions positions, float[] v, float scale) {
            return add(HookPoint.parse(point), positions, v, scale);
        }

        /** x += scale * v. */
        public Builder add(HookPoint point, Positions positions, float[] v, float scale) {
            float[] copy = checkVector(v);
            if (!Float.isFinite(scale)) throw new IllegalArgumentException("steering strength must be finite, got " + scale);
            return edit(point, positions, (pos, x) -> {
                requireLength(copy, x);
                for (int i = 0; i < x.length; i++) x[i] += scale * copy[i];
            });
        }

        /** x = v. */
        public Builder replace(HookPoint point, Positions positions, float[] v) {
            float[] copy = checkVector(v);
            return edit(point, positions, (pos, x) -> {
                requireLength(copy, x);
                System.arraycopy(copy, 0, x, 0, x.length);
            });
        }

        /** Any in-place change. */
        public Builder edit(HookPoint point, Positions positions, Edit edit) {
            entries.add(new Entry(point, positions, null, java.util.Objects.requireNonNull(edit)));
            return this;
        }

        public Hooks build() { return new Hooks(entries); }

        private static float[] checkVector(float[] v) {
            for (float f : v) if (!Float.isFinite(f)) throw new IllegalArgumentException("hook vector has a non-finite value");
            return v.clone();
        }

        private static void requireLength(float[] v, float[] x) {
            if (v.length != x.length) {
                throw new IllegalArgumentException("hook vector has length " + v.length + " but the model's d_model is " + x.length);
            }
        }
    }
}
