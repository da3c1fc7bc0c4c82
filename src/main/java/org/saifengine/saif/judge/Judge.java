package org.saifengine.saif.judge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * An optional second opinion for {@code saif eval}: a language model asked, with the prompt in
 * {@code saif/judge-prompt.txt}, whether an output follows the task's instruction strictly and loosely (the paper
 * judged with GPT-4o-mini). Implementations: {@link ModelJudge} (any model the engine runs) and {@link HttpJudge}
 * (an OpenAI-compatible chat endpoint).
 */
public interface Judge extends AutoCloseable {
    /** One output to judge: the instruction it should follow, the content it applies to, and the output. */
    record Item(String instruction, String content, String output) {}

    /** Which judge this is, for eval-config.json (a rerun with another judge is refused). */
    String id();

    /** The judge's raw answers to the prompts, in order. */
    List<String> answers(List<String> prompts) throws IOException;

    default List<JudgeVerdict> judge(List<Item> items) throws IOException {
        List<String> answers = answers(items.stream().map(Judge::prompt).toList());
        return answers.stream().map(JudgeVerdict::parse).toList();
    }

    @Override
    default void close() {}

    String RESOURCE = "saif/judge-prompt.txt";

    /** The judge prompt template (placeholders {instruction}, {content}, {output}). */
    static String template() {
        try (InputStream in = Judge.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    static String prompt(Item item) {
        // content first, output last: an output that happens to contain "{content}" is left as it is
        return template().replace("{instruction}", item.instruction()).replace("{content}", item.content())
                .replace("{output}", item.output());
    }

    /** SHA-256 of the prompt template, recorded with the judge's id. */
    static String templateHash() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(template().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
