package org.saifengine.io;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A JSON file that Jackson refuses is one IOException naming the file, whether or not the error has a location. */
class JsonTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "syntax error|{\"a\": |line 1",
            // Jackson's size limits (StreamConstraintsException) carry no location: this was a NullPointerException
            "number of 1001 digits|NUMBER|Number value length",
            "nesting of 1001 arrays|NESTING|nesting depth",
            "name of 50001 characters|NAME|Name length"})
    void refusedJsonNamesTheFile(String what, String text, String expected) throws IOException {
        String json = switch (text) {
            case "NUMBER" -> "1".repeat(1001);
            case "NESTING" -> "[".repeat(1001);
            case "NAME" -> "{\"" + "a".repeat(50_001) + "\": 1}";
            default -> text;
        };
        Path file = Files.writeString(tmp.resolve("cfg.json"), json);
        IOException e = assertThrows(IOException.class, () -> Json.read(file));
        assertTrue(e.getMessage().startsWith("malformed JSON in " + file), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
