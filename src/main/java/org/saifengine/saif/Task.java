package org.saifengine.saif;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * One task of the suite, as read from {@code saif/tasks/NAME.json}.
 *
 * @param name              task id (the file name)
 * @param description       one line for reports
 * @param kind              "instruction" (needs >= 8 English paraphrases and >= 4 translations) or "concept"
 *                          (a cue appended to a story; paraphrases only)
 * @param checker           the checker's spec ({"type": ..., options}); see {@link org.saifengine.saif.check.Checkers}
 * @param variants          every wording: English paraphrases first (ids en-0..), then translations (ids = language)
 * @param contents          where the contents come from, in order
 * @param separator         text between content and instruction
 * @param discoveryFraction share of contents used for discovery; the rest are held out for evaluation
 * @param splitSeed         seed of the deterministic discovery/evaluation split
 */
public record Task(String name, String description, String kind, JsonNode checker, List<InstructionVariant> variants,
                   List<JsonNode> contents, String separator, double discoveryFraction, long splitSeed) {

    public static final int MIN_PARAPHRASES = 8;
    public static final int MIN_TRANSLATIONS = 4;

    public Task {
        variants = List.copyOf(variants);
        contents = List.copyOf(contents);
        if (!(discoveryFraction > 0 && discoveryFraction < 1))
            throw new IllegalArgumentException("task " + name + ": discoveryFraction must be in (0, 1), got " + discoveryFraction);
        if (contents.isEmpty()) throw new IllegalArgumentException("task " + name + ": no content sources");
        long english = variants.stream().filter(v -> v.id().startsWith("en-")).count();
        long translated = variants.size() - english;
        if (english < MIN_PARAPHRASES)
            throw new IllegalArgumentException("task " + name + ": needs >= " + MIN_PARAPHRASES + " English paraphrases, has " + english);
        if ("instruction".equals(kind) && translated < MIN_TRANSLATIONS)
            throw new IllegalArgumentException("task " + name + ": needs >= " + MIN_TRANSLATIONS + " translations, has " + translated);
        if (!"instruction".equals(kind) && !"concept".equals(kind))
            throw new IllegalArgumentException("task " + name + ": kind must be instruction or concept, got " + kind);
    }

    /** Parses a task file's JSON. */
    public static Task fromJson(JsonNode n, String origin) {
        String name = text(n, "name", origin);
        List<InstructionVariant> variants = new ArrayList<>();
        JsonNode para = n.path("paraphrases");
        if (!para.isArray()) throw new IllegalArgumentException(origin + ": 'paraphrases' must be an array");
        for (int i = 0; i < para.size(); i++) variants.add(new InstructionVariant("en-" + i, "en", para.get(i).asText()));
        for (JsonNode t : n.path("translations")) {
            String lang = text(t, "language", origin);
            String id = lang;
            int dup = 2;
            while (hasId(variants, id)) id = lang + "-" + dup++;
            variants.add(new InstructionVariant(id, lang, text(t, "text", origin)));
        }
        List<JsonNode> contents = new ArrayList<>();
        n.path("contents").forEach(contents::add);
        JsonNode checker = n.get("checker");
        if (checker == null || !checker.has("type")) throw new IllegalArgumentException(origin + ": 'checker.type' is missing");
        return new Task(name, n.path("description").asText(""), n.path("kind").asText("instruction"), checker, variants,
                contents, n.path("separator").asText("\n\n"), n.path("discoveryFraction").asDouble(0.5),
                n.path("splitSeed").asLong(0));
    }

    private static boolean hasId(List<InstructionVariant> vs, String id) {
        return vs.stream().anyMatch(v -> v.id().equals(id));
    }

    private static String text(JsonNode n, String field, String origin) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank())
            throw new IllegalArgumentException(origin + ": field '" + field + "' is missing or empty");
        return v.asText();
    }

    /** The canonical instruction (the first English paraphrase), used by the evaluation's prompted conditions. */
    public InstructionVariant canonical() {
        return variants.getFirst();
    }

    public InstructionVariant variant(String id) {
        return variants.stream().filter(v -> v.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("task " + name + " has no variant '" + id + "'"));
    }
}
