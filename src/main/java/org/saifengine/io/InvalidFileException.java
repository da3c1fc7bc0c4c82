package org.saifengine.io;

import java.io.IOException;

/** A file that exists but whose contents break its format's rules; the message names the file and the rule. */
public class InvalidFileException extends IOException {
    public InvalidFileException(String message) {
        super(message);
    }
}
