package org.saifengine.saif;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr with rate and ETA; redraws at most every 200 ms (always on the last step). */
public final class Progress {
    private final String label;
    private final long total;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final long startDone;
    private long done, lastDraw;

    public Progress(String label, long total, long alreadyDone, PrintStream out) {
        this.label = label;
        this.total = total;
        this.done = alreadyDone;
        this.startDone = alreadyDone;
        this.out = out;
    }

    public static Progress stderr(String label, long total) {
        return new Progress(label, total, 0, System.err);
    }

    public void step() {
        done++;
        long now = System.nanoTime();
        if (done >= total || now - lastDraw > 200_000_000L) {
            lastDraw = now;
            draw(now);
        }
    }

    private void draw(long now) {
        if (out == null) return;
        double secs = (now - start) / 1e9;
        double rate = secs > 0 ? (done - startDone) / secs : 0;
        double eta = rate > 0 ? (total - done) / rate : Double.NaN;
        int width = 24;
        int filled = total == 0 ? width : (int) (width * done / Math.max(1, total));
        String bar = "#".repeat(Math.min(width, filled)) + "-".repeat(Math.max(0, width - filled));
        out.printf(Locale.ROOT, "\r%s [%s] %d/%d %.2f/s ETA %s   ", label, bar, done, total, rate, fmt(eta));
        if (done >= total) {
            out.println();
            org.saifengine.io.ConsoleLine.closed();
        } else {
            org.saifengine.io.ConsoleLine.opened();
        }
        out.flush();
    }

    static String fmt(double secs) {
        if (Double.isNaN(secs)) return "?";
        long s = Math.round(secs);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
