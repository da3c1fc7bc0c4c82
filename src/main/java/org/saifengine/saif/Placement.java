package org.saifengine.saif;

/** Where the instruction goes relative to the content: before it (pre) or after it (post). */
public enum Placement {
    PRE, POST;

    public static Placement parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "pre" -> PRE;
            case "post" -> POST;
            default -> throw new IllegalArgumentException("placement must be pre or post, got '" + s + "'");
        };
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
