package org.saifengine.sae.train;

import java.io.PrintStream;

/** A one-line progress bar on stderr with rate and ETA, redrawn at most a few times a second. */
public final class Progress {
    private final PrintStream out;
    private final long total;
    private final String unit;
    private final long start = System.nanoTime();
    private final long startCount;
    private long lastDraw;

    public Progress(PrintStream out, long total, long startCount, String unit) {
        this.out = out;
        this.total = total;
        this.startCount = startCount;
        this.unit = unit;
    }

    public void update(long done, String extra, boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < 250_000_000L) return;
        lastDraw = now;
        double secs = (now - start) / 1e9;
        double rate = secs > 0 ? (done - startCount) / secs : 0;
        double frac = total > 0 ? Math.min(1.0, (double) done / total) : 0;
        int width = 24, filled = (int) (frac * width);
        String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        String eta = rate > 0 ? hms((total - done) / rate) : "?";
        org.saifengine.io.ConsoleLine.opened();
        out.printf("\r[%s] %3.0f%% %d/%d %s  %s %s/s  ETA %s  %s", bar, frac * 100, done, total, unit, human(rate), unit, eta, extra);
        out.flush();
    }

    public void finish() {
        out.println();
        org.saifengine.io.ConsoleLine.closed();
    }

    static String hms(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
    }

    static String human(double v) {
        return v >= 1e6 ? String.format("%.1fM", v / 1e6) : v >= 1e3 ? String.format("%.1fk", v / 1e3) : String.format("%.0f", v);
    }
}
