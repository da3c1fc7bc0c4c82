package org.saifengine.io;

/**
 * Whether a progress bar left stderr's last line open (drawn with '\r', no newline yet), so that an error message
 * printed then starts on a line of its own instead of after the bar.
 */
public final class ConsoleLine {
    private static volatile boolean open;

    private ConsoleLine() {}

    /** A progress bar drew without ending its line. */
    public static void opened() { open = true; }

    /** The line was ended. */
    public static void closed() { open = false; }

    /** True (and the line counts as closed from now on) when a caller printing to stderr should first end the line. */
    public static boolean takeOpen() {
        boolean was = open;
        open = false;
        return was;
    }
}
