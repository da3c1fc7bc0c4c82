package org.saifengine.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private long now = 1_000_000_000L; // the bar's clock, in nanoseconds

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void drawsTheFirstStepAtOnceThenThrottlesAndAlwaysDrawsAndEndsTheLast() {
        ProgressBar bar = new ProgressBar(out, "eval task", 1000, 0, "", () -> now);
        now += 1_000_000_000L;
        bar.step();
        assertTrue(text().startsWith("\reval task [>"), text());
        assertTrue(text().contains("  0% 1/1000  "), text());
        assertTrue(ConsoleLine.takeOpen(), "an open bar tells ConsoleLine");
        assertTrue(text().contains("1.00/s  ETA 16:39"), text());
        for (int i = 1; i < 998; i++) bar.step();          // within 200 ms of the first draw: no redraws
        assertEquals(1, text().chars().filter(c -> c == '\r').count(), text());
        now += 200_000_001L;
        bar.step();
        assertEquals(2, text().chars().filter(c -> c == '\r').count());
        bar.step();                                         // the last step draws at once
        assertEquals(3, text().chars().filter(c -> c == '\r').count());
        assertTrue(text().contains("[========================] 100% 1000/1000"), text());
        assertTrue(text().contains("ETA 0:00"), text());
        assertTrue(text().endsWith("\n"), "the last step ends the line");
        assertFalse(ConsoleLine.takeOpen());
        bar.finish();
        bar.step();
        assertEquals(1, text().chars().filter(c -> c == '\n').count(), "nothing after the end");
    }

    @Test
    void resumedWorkCountsInTheBarButNotInTheRateAndTheNoteFollowsTheEta() {
        ProgressBar bar = new ProgressBar(out, "", 400, 100, "tok", () -> now);
        now += 2_000_000_000L;
        String line = bar.line(now, "fvu 0.5");
        // 100 of 400 done before this run, none since: 25%, rate 0, ETA unknown
        assertTrue(line.startsWith("[======>"), line);
        assertTrue(line.contains(" 25% 100/400 tok  0.00 tok/s  ETA ?  fvu 0.5"), line);
        bar.update(300, "");
        // 200 tokens in 2 s: 100 tok/s, 100 left
        assertTrue(text().contains(" 75% 300/400 tok  100 tok/s  ETA 0:01"), text());
        bar.finish();
        assertTrue(text().endsWith("\n"));
    }

    @Test
    void finishWithoutAnyDrawPrintsNothing() {
        new ProgressBar(out, "x", 10, 0, "").finish();
        assertEquals("", text());
    }

    @Test
    void shorterLinesWipeTheRestOfTheLongerOne() {
        ProgressBar bar = new ProgressBar(out, "", 1_000_000, 0, "", () -> now);
        bar.update(1, "a long note that is wider than the next one");
        String first = text();
        bar.update(1_000_000, "");
        String second = text().substring(first.length());
        assertEquals(first.length(), second.length() - 1, "same width as the longer line, plus the newline: " + second);
    }

    @Test
    void formatsRatesAndTimes() {
        assertEquals("0.50", ProgressBar.human(0.5));
        assertEquals("42", ProgressBar.human(42));
        assertEquals("1.5k", ProgressBar.human(1500));
        assertEquals("2.0M", ProgressBar.human(2e6));
        assertEquals("1:05", ProgressBar.hms(65));
        assertEquals("1:01:01", ProgressBar.hms(3661));
    }
}
