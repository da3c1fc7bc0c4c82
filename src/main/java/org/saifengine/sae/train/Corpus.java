package org.saifengine.sae.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.io.Json;
import org.saifengine.model.Generator;
import org.saifengine.model.Model;
import org.saifengine.model.SamplingParams;
import org.saifengine.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Token windows for SAE training and evaluation: text files split into documents, and text the model generates
 * itself. Every window starts with BOS (when the tokenizer has one) and holds at most {@code context} tokens.
 */
public final class Corpus {
    private Corpus() {}

    /**
     * Documents of a text file: a .jsonl file gives each row's "prompt" (or "text"); otherwise blank-line separated
     * paragraphs, with runs of short lines joined.
     */
    public static List<String> documents(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("corpus file not found: " + file);
        List<String> docs = new ArrayList<>();
        if (file.toString().endsWith(".jsonl")) {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) continue;
                JsonNode row = Json.parse(line, file.toString());
                String t = row.has("prompt") ? row.get("prompt").asText() : row.path("text").asText("");
                if (!t.isBlank()) docs.add(t);
            }
            return docs;
        }
        StringBuilder cur = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                if (cur.length() > 200) {
                    docs.add(cur.toString().strip());
                    cur.setLength(0);
                }
                continue;
            }
            if (!cur.isEmpty()) cur.append('\n');
            cur.append(line.strip());
        }
        if (!cur.toString().isBlank()) docs.add(cur.toString().strip());
        return docs;
    }

    /** Tokenises documents and cuts them into windows of at most context tokens, each starting with BOS. */
    public static List<int[]> windows(Tokenizer tok, List<String> docs, int context, int minTokens) {
        List<int[]> out = new ArrayList<>();
        int bos = tok.bosId();
        for (String doc : docs) {
            int[] ids = tok.encode(doc, false);
            int per = bos >= 0 ? context - 1 : context;
            for (int start = 0; start < ids.length; start += per) {
                int end = Math.min(ids.length, start + per);
                if (end - start < minTokens) break;
                int[] w = new int[(bos >= 0 ? 1 : 0) + end - start];
                int o = 0;
                if (bos >= 0) w[o++] = bos;
                System.arraycopy(ids, start, w, o, end - start);
                out.add(w);
            }
        }
        return out;
    }

    /** The windows of the corpus files, file after file: how training and `sae collect` number them. */
    public static List<int[]> windows(Tokenizer tok, List<Path> files, int context) throws IOException {
        List<int[]> out = new ArrayList<>();
        for (Path f : files) out.addAll(windows(tok, documents(f), context, 4));
        return out;
    }

    /**
     * Text the model writes itself from BOS (temperature 1), as windows of up to context tokens: activations on the
     * model's own distribution.
     */
    public static List<int[]> generated(Model model, Tokenizer tok, long tokens, int context, long seed, int parallel) {
        int bos = tok.bosId() >= 0 ? tok.bosId() : 0;
        Generator gen = new Generator(model, null);
        List<int[]> out = new ArrayList<>();
        long have = 0;
        long s = seed;
        while (have < tokens) {
            List<Generator.Request> reqs = new ArrayList<>();
            for (int i = 0; i < parallel; i++) {
                reqs.add(Generator.Request.of(new int[]{bos}, new SamplingParams(1.0f, 0, 1.0f, s++), context - 1)
                        .withStopIds(tok.eosIds()));
            }
            for (Generator.Result r : gen.generate(reqs)) {
                int[] g = r.generatedIds();
                int len = g.length;
                if (len > 0 && tok.eosIds().contains(g[len - 1])) len--;
                if (len < 8) continue;
                int[] w = new int[len + 1];
                w[0] = bos;
                System.arraycopy(g, 0, w, 1, len);
                out.add(w);
                have += len;
            }
        }
        return out;
    }

    public static long tokenCount(List<int[]> windows) {
        return windows.stream().mapToLong(w -> w.length - 1L).sum();
    }

    /** Deterministic shuffle (Fisher-Yates). */
    public static <T> void shuffle(List<T> list, java.util.Random r) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T tmp = list.get(i);
            list.set(i, list.get(j));
            list.set(j, tmp);
        }
    }

    static int[] copy(int[] a) {
        return Arrays.copyOf(a, a.length);
    }
}
