package org.saifengine.io;

/** Assertions shared by the fuzz tests: an expected error must still be a useful one. */
final class FuzzChecks {
    private FuzzChecks() {}

    static void namesTheInput(Exception e, String name) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) throw new AssertionError("error without a message", e);
        if (!m.contains(name)) throw new AssertionError("error does not name the input '" + name + "': " + m, e);
    }
}
