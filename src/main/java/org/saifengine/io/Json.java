package org.saifengine.io;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.core.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The one shared Jackson mapper, plus reading helpers that turn parse failures into clear messages. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS, true)
            .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true)
            .configure(SerializationFeature.INDENT_OUTPUT, false);

    private Json() {}

    /** Reads a JSON file; a missing or malformed file raises an IOException naming it. */
    public static JsonNode read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("file not found: " + file);
        try {
            return MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            // A size-limit error (number too long, nesting too deep) has no location.
            JsonLocation at = e.getLocation();
            throw new IOException("malformed JSON in " + file + ": " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        }
    }

    public static JsonNode parse(String text, String what) throws IOException {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IOException("malformed JSON in " + what + ": " + e.getOriginalMessage(), e);
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
