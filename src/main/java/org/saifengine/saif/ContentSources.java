package org.saifengine.saif;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.io.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Loads a task's contents from its source specs. Sources:
 * <ul>
 * <li>{@code resource}: {@code saif/contents/NAME.json} in the jar (texts written for this project)</li>
 * <li>{@code inline}: {@code texts} given in the task file</li>
 * <li>{@code wikitext2}: paragraphs of shared/data/text/wikitext2_test.txt, de-tokenized, cut to whole sentences
 *     without {@code <unk>} (minWords..maxWords words)</li>
 * <li>{@code tinystories}: stories of shared/data/text/tinystories_sample.txt</li>
 * <li>{@code ifeval}: {@code prompt_without_instruction} of shared/data/ifeval/input_data.jsonl (IFEval base queries)</li>
 * </ul>
 * Every source takes an optional {@code limit}. Duplicates are dropped; order is the sources' order.
 */
public final class ContentSources {
    private ContentSources() {}

    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");

    public static List<Content> load(Task task) throws IOException {
        List<Content> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (JsonNode spec : task.contents()) {
            String source = spec.path("source").asText("");
            int limit = spec.path("limit").asInt(Integer.MAX_VALUE);
            List<String> texts = switch (source) {
                case "resource" -> resource(spec.path("name").asText());
                case "inline" -> {
                    List<String> t = new ArrayList<>();
                    spec.path("texts").forEach(x -> t.add(x.asText()));
                    yield t;
                }
                case "wikitext2" -> wikitext2(spec.path("minWords").asInt(30), spec.path("maxWords").asInt(90));
                case "tinystories" -> tinystories();
                case "ifeval" -> ifeval(spec.path("maxWords").asInt(Integer.MAX_VALUE));
                default -> throw new IllegalArgumentException("task " + task.name() + ": unknown content source '" + source
                        + "' (expected resource, inline, wikitext2, tinystories or ifeval)");
            };
            int taken = 0;
            for (int i = 0; i < texts.size() && taken < limit; i++) {
                String t = texts.get(i).strip();
                if (t.isEmpty() || !seen.add(t)) continue;
                out.add(new Content(source + ":" + i, t));
                taken++;
            }
        }
        return out;
    }

    static List<String> resource(String name) throws IOException {
        String path = "saif/contents/" + name + ".json";
        try (InputStream in = ContentSources.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IOException("content resource not found: " + path);
            JsonNode n = Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), path);
            List<String> t = new ArrayList<>();
            n.path("texts").forEach(x -> t.add(x.asText()));
            return t;
        }
    }

    private static Path sharedFile(String relative) throws IOException {
        Path p = SharedDir.locate().resolve(relative);
        if (!Files.isRegularFile(p)) throw new IOException("shared data file missing: " + p);
        return p;
    }

    static List<String> wikitext2(int minWords, int maxWords) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(sharedFile("data/text/wikitext2_test.txt"), StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("=")) continue;
            List<String> kept = new ArrayList<>();
            int words = 0;
            for (String s : SENTENCE_END.split(detokenize(l))) {
                if (s.contains("<unk>") || s.contains("\"")) {
                    if (!kept.isEmpty()) break;
                    continue;
                }
                kept.add(s);
                words += s.split("\\s+").length;
                if (words >= 35) break;
            }
            if (words >= minWords && words <= maxWords) out.add(String.join(" ", kept));
        }
        return out;
    }

    /** Undoes WikiText's tokenization: "a @-@ b" -> "a-b", "x , y" -> "x, y". */
    static String detokenize(String s) {
        s = s.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".");
        for (String p : new String[]{",", ".", ";", ":", ")", "'s", "n't", "%"}) s = s.replace(" " + p, p);
        return s.replace("( ", "(");
    }

    static List<String> tinystories() throws IOException {
        String all = Files.readString(sharedFile("data/text/tinystories_sample.txt"), StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        for (String story : all.split("<\\|endoftext\\|>")) {
            String s = story.strip().replaceAll("\\s*\\n\\s*", " ");
            if (!s.isEmpty()) out.add(s);
        }
        return out;
    }

    static List<String> ifeval(int maxWords) throws IOException {
        List<String> out = new ArrayList<>();
        Path file = sharedFile("data/ifeval/input_data.jsonl");
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) continue;
            JsonNode row = Json.parse(line, file + " line " + lineNo);
            String q = row.path("prompt_without_instruction").asText("");
            if (!q.isBlank() && q.strip().split("\\s+").length <= maxWords) out.add(q);
        }
        return out;
    }
}
