package org.saifengine.server;

import com.fasterxml.jackson.databind.JsonNode;

/** Typed reads of request fields; every wrong type or value is a 400 naming the field. */
final class JsonFields {
    private JsonFields() {}

    static boolean has(JsonNode o, String key) {
        return o.has(key) && !o.get(key).isNull();
    }

    static double number(JsonNode o, String key, String path, double dflt) {
        if (!has(o, key)) return dflt;
        return finite(o.get(key), path + key);
    }

    static double finite(JsonNode n, String path) {
        if (!n.isNumber()) throw ApiException.badRequest(path + " must be a number, got " + kind(n));
        double v = n.asDouble();
        if (!Double.isFinite(v)) throw ApiException.badRequest(path + " must be a finite number, got " + n.asText());
        return v;
    }

    static int integer(JsonNode o, String key, String path, int dflt) {
        if (!has(o, key)) return dflt;
        return integer(o.get(key), path + key);
    }

    static int integer(JsonNode n, String path) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw ApiException.badRequest(path + " must be an integer, got " + (n.isNumber() ? n.asText() : kind(n)));
        }
        return n.asInt();
    }

    static long longInt(JsonNode o, String key, String path, long dflt) {
        if (!has(o, key)) return dflt;
        JsonNode n = o.get(key);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) throw ApiException.badRequest(path + key + " must be an integer");
        return n.asLong();
    }

    static boolean bool(JsonNode o, String key, String path, boolean dflt) {
        if (!has(o, key)) return dflt;
        JsonNode n = o.get(key);
        if (!n.isBoolean()) throw ApiException.badRequest(path + key + " must be true or false, got " + kind(n));
        return n.asBoolean();
    }

    static String string(JsonNode o, String key, String path, String dflt) {
        if (!has(o, key)) return dflt;
        JsonNode n = o.get(key);
        if (!n.isTextual()) throw ApiException.badRequest(path + key + " must be a string, got " + kind(n));
        return n.asText();
    }

    static JsonNode object(JsonNode o, String key, String path) {
        if (!has(o, key)) return null;
        JsonNode n = o.get(key);
        if (!n.isObject()) throw ApiException.badRequest(path + key + " must be an object, got " + kind(n));
        return n;
    }

    static JsonNode array(JsonNode o, String key, String path) {
        if (!has(o, key)) return null;
        JsonNode n = o.get(key);
        if (!n.isArray()) throw ApiException.badRequest(path + key + " must be an array, got " + kind(n));
        return n;
    }

    static String kind(JsonNode n) {
        if (n == null || n.isNull()) return "null";
        if (n.isTextual()) return "a string";
        if (n.isNumber()) return "a number";
        if (n.isBoolean()) return "a boolean";
        if (n.isArray()) return "an array";
        return "an object";
    }
}
