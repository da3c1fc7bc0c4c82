package org.saifengine.io;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The one-line progress bar of long jobs (sae train, saif find, saif eval): label, bar, percent, count, rate, ETA
 * and a note of the caller's, redrawn in place ('\r') at most every 200 ms and always on the last step, which ends
 * the line. {@link ConsoleLine} knows while the line is open, so that an error printed then starts on its own line.
 */
public final class ProgressBar {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final int WIDTH = 24;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final String unit;
    private final LongSupplier clock;
    private final long start;
    private final long startDone;
    private long done, lastDraw;
    private int lastLength;
    private boolean drawn, finished;

    /**
     * @param alreadyDone work done before this run (a resumed job), counted in the bar but not in the rate
     * @param unit        what is counted ("tok"), or "" for items
     */
    public ProgressBar(PrintStream out, String label, long total, long alreadyDone, String unit) {
        this(out, label, total, alreadyDone, unit, System::nanoTime);
    }

    ProgressBar(PrintStream out, String label, long total, long alreadyDone, String unit, LongSupplier nanoClock) {
        this.out = out;
        this.clock = nanoClock;
        this.start = nanoClock.getAsLong();
        this.label = label;
        this.total = total;
        this.startDone = alreadyDone;
        this.done = alreadyDone;
        this.unit = unit;
    }

    /** One more item done. */
    public void step() {
        update(done + 1, "");
    }

    /** {@code done} items done so far; {@code note} is shown after the ETA (e.g. the training loss). */
    public void update(long done, String note) {
        if (finished) return;
        this.done = done;
        long now = clock.getAsLong();
        boolean last = done >= total;
        if (drawn && !last && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        drawn = true;
        String line = line(now, note);
        out.print('\r' + line + " ".repeat(Math.max(0, lastLength - line.length()))); // wipe a longer previous line
        lastLength = line.length();
        if (last) finish();
        else ConsoleLine.opened();
        out.flush();
    }

    /** Ends the line if a bar was drawn (the last step does this itself). */
    public void finish() {
        if (!drawn || finished) return;
        finished = true;
        out.println();
        out.flush();
        ConsoleLine.closed();
    }

    String line(long now, String note) {
        double secs = (now - start) / 1e9;
        double rate = secs > 0 ? (done - startDone) / secs : 0;
        double frac = total > 0 ? Math.min(1.0, (double) done / total) : 1.0;
        int filled = (int) (frac * WIDTH);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        String u = unit.isEmpty() ? "" : " " + unit;
        String eta = done >= total ? "0:00" : rate > 0 ? hms((total - done) / rate) : "?";
        return String.format(Locale.ROOT, "%s[%s] %3.0f%% %d/%d%s  %s%s/s  ETA %s%s", label.isEmpty() ? "" : label + " ",
                bar, frac * 100, done, total, u, human(rate), u, eta, note.isEmpty() ? "" : "  " + note);
    }

    static String hms(double seconds) {
        long t = Math.round(seconds);
        return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
    }

    static String human(double v) {
        if (v >= 1e6) return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        if (v >= 1e3) return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        return String.format(Locale.ROOT, v >= 10 ? "%.0f" : "%.2f", v);
    }
}
