package org.saifengine.io.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.saifengine.io.InvalidFileException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds Hugging Face {@code tokenizer.json} and {@code tokenizer_config.json} from a GGUF's tokenizer metadata,
 * reproducing what transformers' GGUF converter ({@code integrations/gguf/gguf_tokenizer_mapping.py}) produces, so
 * that the engine's tokenizer code reads a single format:
 * <ul>
 *   <li>{@code tokenizer.ggml.model = gpt2}: byte-level BPE. Tokens outside the byte alphabet are respelled in it;
 *       merges come from the file; the pre-tokenizer is byte-level GPT-2, or a Split by the regex transformers
 *       knows for {@code tokenizer.ggml.pre}.</li>
 *   <li>{@code tokenizer.ggml.model = llama}: SentencePiece-style BPE with byte fallback; when the file has no merges
 *       they are recovered from the vocabulary and scores as transformers' generate_merges does. Here we deliberately
 *       differ from transformers' converter, which uses a Metaspace pre-tokenizer (prepend_scheme "first") that drops
 *       SentencePiece's dummy prefix before text that starts with a space (" Hello" gives [15043], sentencepiece and
 *       llama.cpp give [29871, 15043]): we use the Prepend+Replace normalizer of HF's own Llama tokenizer.json,
 *       honouring {@code tokenizer.ggml.add_space_prefix}, so llama.cpp's test vectors pass.</li>
 * </ul>
 * Control tokens (type 3) and the bos/eos/unk/pad tokens become special added tokens, user-defined tokens (type 4)
 * plain added tokens.
 */
public final class GgufTokenizerJson {
    static final int TYPE_CONTROL = 3;
    static final int TYPE_USER_DEFINED = 4;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** Regexes transformers uses for a byte-level vocabulary's {@code tokenizer.ggml.pre}; others get GPT-2's. */
    static final Map<String, String> PRE_TOKENIZER_SPLITS;

    static {
        String llama3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        String tekken = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
                + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
                + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        String gpt4o = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        String qwen2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        Map<String, String> m = new HashMap<>();
        for (String k : List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                "jina-v5-nano", "dbrx", "smaug-bpe")) m.put(k, llama3);
        m.put("tekken", tekken);
        for (String k : List.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez")) m.put(k, qwen2);
        for (String k : List.of("gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2")) m.put(k, gpt4o);
        PRE_TOKENIZER_SPLITS = Map.copyOf(m);
    }

    /** tokenizer.json and tokenizer_config.json. */
    public record Result(ObjectNode tokenizerJson, ObjectNode tokenizerConfig) {}

    private GgufTokenizerJson() {}

    public static Result build(GgufFile g) throws InvalidFileException {
        String model = g.get("tokenizer.ggml.model").asString();
        List<String> tokens = g.get("tokenizer.ggml.tokens").asStringList();
        if (tokens.isEmpty()) throw new InvalidFileException(g.path() + ": tokenizer.ggml.tokens is empty");
        long[] types = optionalLongs(g, "tokenizer.ggml.token_type", tokens.size());
        List<String> merges = g.metadata().containsKey("tokenizer.ggml.merges")
                ? g.get("tokenizer.ggml.merges").asStringList() : null;

        ObjectNode config = F.objectNode();
        boolean addBos = flag(g, "tokenizer.ggml.add_bos_token", model.equals("llama"));
        boolean addEos = flag(g, "tokenizer.ggml.add_eos_token", false);
        Map<String, Integer> specialIds = new LinkedHashMap<>();
        for (String[] s : new String[][]{{"bos_token", "bos_token_id"}, {"eos_token", "eos_token_id"},
                {"unk_token", "unknown_token_id"}, {"pad_token", "padding_token_id"}}) {
            GgufValue v = g.metadata().get("tokenizer.ggml." + s[1]);
            if (v == null) continue;
            long id = v.asLong();
            if (id < 0 || id >= tokens.size()) {
                throw new InvalidFileException(g.path() + ": tokenizer.ggml." + s[1] + " " + id + " is outside the vocabulary of " + tokens.size());
            }
            specialIds.put(s[0], (int) id);
            config.put(s[0], tokens.get((int) id));
        }
        config.put("add_bos_token", addBos);
        config.put("add_eos_token", addEos);
        GgufValue template = g.metadata().get("tokenizer.chat_template");
        if (template != null) config.put("chat_template", template.asString());

        ObjectNode tj = F.objectNode();
        tj.put("version", "1.0");
        tj.putNull("truncation");
        tj.putNull("padding");
        ObjectNode bpe;
        switch (model) {
            case "gpt2" -> {
                Map<String, Integer> vocab = byteLevelVocab(tokens);
                if (merges == null) throw new InvalidFileException(g.path() + ": a gpt2 tokenizer needs tokenizer.ggml.merges");
                tj.set("added_tokens", addedTokens(tokens, types, specialIds, vocab, true));
                tj.putNull("normalizer");
                String pre = g.metadata().containsKey("tokenizer.ggml.pre") ? g.get("tokenizer.ggml.pre").asString() : null;
                tj.set("pre_tokenizer", byteLevelPreTokenizer(pre == null ? null : PRE_TOKENIZER_SPLITS.get(pre)));
                tj.set("post_processor", postProcessor(tokens, specialIds, addBos, addEos));
                tj.set("decoder", byteLevel(true, true));
                bpe = bpeModel(F.textNode(""), F.textNode(""), false, false);
                bpe.set("vocab", vocabNode(vocab));
                bpe.set("merges", mergesNode(splitMerges(merges)));
            }
            case "llama" -> {
                Map<String, Integer> vocab = indexVocab(tokens);
                List<String[]> pairs;
                if (merges != null) {
                    pairs = splitMerges(merges);
                } else {
                    if (!g.metadata().containsKey("tokenizer.ggml.scores")) {
                        throw new InvalidFileException(g.path() + ": a llama tokenizer without merges needs tokenizer.ggml.scores");
                    }
                    double[] scores = g.get("tokenizer.ggml.scores").asDoubleArray();
                    if (scores.length != tokens.size()) {
                        throw new InvalidFileException(g.path() + ": tokenizer.ggml.scores has " + scores.length
                                + " entries for " + tokens.size() + " tokens");
                    }
                    pairs = mergesFromScores(tokens, scores, vocab);
                }
                boolean dummyPrefix = flag(g, "tokenizer.ggml.add_space_prefix", true);
                tj.set("added_tokens", addedTokens(tokens, types, specialIds, vocab, false));
                tj.set("normalizer", sentencePieceNormalizer(dummyPrefix));
                tj.putNull("pre_tokenizer");
                tj.set("post_processor", postProcessor(tokens, specialIds, addBos, addEos));
                tj.set("decoder", sentencePieceDecoder(dummyPrefix));
                bpe = bpeModel(F.nullNode(), F.nullNode(), true, true);
                if (specialIds.containsKey("unk_token")) bpe.put("unk_token", tokens.get(specialIds.get("unk_token")));
                bpe.set("vocab", vocabNode(vocab));
                bpe.set("merges", mergesNode(pairs));
            }
            default -> throw new InvalidFileException(g.path() + ": tokenizer.ggml.model '" + model
                    + "' is not supported (supported: gpt2, llama)");
        }
        tj.set("model", bpe);
        return new Result(tj, config);
    }

    private static boolean flag(GgufFile g, String key, boolean dflt) {
        GgufValue v = g.metadata().get(key);
        return v == null ? dflt : v.asBoolean();
    }

    private static long[] optionalLongs(GgufFile g, String key, int n) throws InvalidFileException {
        GgufValue v = g.metadata().get(key);
        if (v == null) return null;
        long[] a = v.asLongArray();
        if (a.length != n) throw new InvalidFileException(g.path() + ": " + key + " has " + a.length + " entries for " + n + " tokens");
        return a;
    }

    // ---- vocabulary ------------------------------------------------------------------------------------------

    /** {token: index}; a repeated token keeps its first position and its last index (as a Python dict does). */
    static Map<String, Integer> indexVocab(List<String> tokens) {
        Map<String, Integer> v = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) v.put(tokens.get(i), i);
        return v;
    }

    static Map<String, Integer> byteLevelVocab(List<String> tokens) {
        char[] spelling = bytesToUnicode();
        Map<String, Integer> v = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (!inByteAlphabet(t)) {
                StringBuilder sb = new StringBuilder();
                for (byte b : t.getBytes(StandardCharsets.UTF_8)) sb.append(spelling[b & 0xFF]);
                t = sb.toString();
            }
            v.put(t, i);
        }
        return v;
    }

    /** GPT-2's reversible byte-to-character map. */
    static char[] bytesToUnicode() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++) map[b] = printable[b] ? (char) b : (char) (256 + n++);
        return map;
    }

    private static ArrayNode addedTokens(List<String> tokens, long[] types, Map<String, Integer> specialIds,
                                         Map<String, Integer> vocab, boolean byteLevel) {
        TreeMap<Integer, Boolean> added = new TreeMap<>(); // id -> special
        if (types != null) {
            for (int i = 0; i < types.length; i++) {
                String t = tokens.get(i);
                if (types[i] == TYPE_CONTROL && (!byteLevel || inByteAlphabet(t))) added.put(i, true);
            }
        }
        for (int id : specialIds.values()) added.put(id, true);
        if (types != null) {
            for (int i = 0; i < types.length; i++) {
                if (types[i] == TYPE_USER_DEFINED && vocab.containsKey(tokens.get(i))) added.putIfAbsent(i, false);
            }
        }
        ArrayNode arr = F.arrayNode();
        for (var e : added.entrySet()) {
            ObjectNode o = arr.addObject();
            o.put("id", e.getKey());
            o.put("content", tokens.get(e.getKey()));
            o.put("single_word", false);
            o.put("lstrip", false);
            o.put("rstrip", false);
            o.put("normalized", false);
            o.put("special", e.getValue());
        }
        return arr;
    }

    private static final Set<Character> BYTE_ALPHABET = alphabet();

    private static Set<Character> alphabet() {
        Set<Character> a = new java.util.HashSet<>();
        for (char c : bytesToUnicode()) a.add(c);
        return Set.copyOf(a);
    }

    private static boolean inByteAlphabet(String t) {
        return t.chars().allMatch(c -> BYTE_ALPHABET.contains((char) c));
    }

    // ---- merges ----------------------------------------------------------------------------------------------

    static List<String[]> splitMerges(List<String> merges) {
        List<String[]> out = new ArrayList<>(merges.size());
        for (String m : merges) out.add(m.split(" ", -1));
        return out;
    }

    /**
     * Merges implied by a SentencePiece vocabulary, as transformers' generate_merges(vocab, scores): every split of
     * every token into two vocabulary pieces, ordered by the token's score (best first), then by piece lengths
     * (longer first), ties kept in vocabulary order.
     */
    static List<String[]> mergesFromScores(List<String> tokens, double[] scores, Map<String, Integer> vocab) {
        Map<String, Double> tokenScores = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) tokenScores.put(tokens.get(i), scores[i]);
        record Merge(String left, String right, double score, int leftLen, int rightLen) {}
        List<Merge> all = new ArrayList<>();
        for (var e : tokenScores.entrySet()) {
            String t = e.getKey();
            int cps = t.codePointCount(0, t.length());
            List<Merge> local = new ArrayList<>();
            for (int k = 1; k < cps; k++) {
                int cut = t.offsetByCodePoints(0, k);
                String l = t.substring(0, cut), r = t.substring(cut);
                if (vocab.containsKey(l) && vocab.containsKey(r)) local.add(new Merge(l, r, e.getValue(), k, cps - k));
            }
            local.sort(Comparator.<Merge>comparingInt(m -> vocab.get(m.left)).thenComparingInt(m -> vocab.get(m.right)));
            all.addAll(local);
        }
        all.sort(Comparator.comparingDouble(Merge::score).thenComparingInt(Merge::leftLen)
                .thenComparingInt(Merge::rightLen).reversed());
        List<String[]> out = new ArrayList<>(all.size());
        for (Merge m : all) out.add(new String[]{m.left, m.right});
        return out;
    }

    // ---- JSON pieces -----------------------------------------------------------------------------------------

    private static ObjectNode vocabNode(Map<String, Integer> vocab) {
        ObjectNode o = F.objectNode();
        vocab.forEach(o::put);
        return o;
    }

    private static ArrayNode mergesNode(List<String[]> merges) {
        ArrayNode arr = F.arrayNode();
        for (String[] m : merges) {
            ArrayNode pair = arr.addArray();
            for (String s : m) pair.add(s);
        }
        return arr;
    }

    private static ObjectNode bpeModel(JsonNode prefix, JsonNode suffix, boolean fuseUnk, boolean byteFallback) {
        ObjectNode m = F.objectNode();
        m.put("type", "BPE");
        m.putNull("dropout");
        m.putNull("unk_token");
        m.set("continuing_subword_prefix", prefix);
        m.set("end_of_word_suffix", suffix);
        m.put("fuse_unk", fuseUnk);
        m.put("byte_fallback", byteFallback);
        m.put("ignore_merges", false);
        return m;
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean useRegex) {
        ObjectNode o = F.objectNode();
        o.put("type", "ByteLevel");
        o.put("add_prefix_space", addPrefixSpace);
        o.put("trim_offsets", true);
        o.put("use_regex", useRegex);
        return o;
    }

    private static ObjectNode byteLevelPreTokenizer(String splitRegex) {
        if (splitRegex == null) return byteLevel(false, true);
        ObjectNode seq = F.objectNode();
        seq.put("type", "Sequence");
        ArrayNode list = seq.putArray("pretokenizers");
        ObjectNode split = list.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", splitRegex);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        list.add(byteLevel(false, false));
        return seq;
    }

    /** SentencePiece's dummy prefix: "▁" before the text (always, as sentencepiece and llama.cpp do), spaces as "▁". */
    private static ObjectNode sentencePieceNormalizer(boolean dummyPrefix) {
        ObjectNode n = F.objectNode();
        n.put("type", "Sequence");
        ArrayNode list = n.putArray("normalizers");
        if (dummyPrefix) list.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ObjectNode replace = list.addObject();
        replace.put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "\u2581");
        return n;
    }

    private static ObjectNode sentencePieceDecoder(boolean dummyPrefix) {
        ObjectNode d = F.objectNode();
        d.put("type", "Sequence");
        ArrayNode list = d.putArray("decoders");
        ObjectNode replace = list.addObject();
        replace.put("type", "Replace");
        replace.putObject("pattern").put("String", "\u2581");
        replace.put("content", " ");
        list.addObject().put("type", "ByteFallback");
        list.addObject().put("type", "Fuse");
        if (!dummyPrefix) return d;
        ObjectNode strip = list.addObject();
        strip.put("type", "Strip");
        strip.put("content", " ");
        strip.put("start", 1);
        strip.put("stop", 0);
        return d;
    }

    private static ObjectNode postProcessor(List<String> tokens, Map<String, Integer> ids, boolean addBos, boolean addEos) {
        Integer bosId = addBos ? ids.get("bos_token") : null, eosId = addEos ? ids.get("eos_token") : null;
        String bos = bosId == null ? null : tokens.get(bosId);
        String eos = eosId == null ? null : tokens.get(eosId);
        ObjectNode p = F.objectNode();
        p.put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        ArrayNode pair = p.putArray("pair");
        for (int seq = 0; seq < 2; seq++) {
            String id = seq == 0 ? "A" : "B";
            for (ArrayNode target : seq == 0 ? List.of(single, pair) : List.of(pair)) {
                if (bos != null) special(target, bos, seq);
                target.addObject().putObject("Sequence").put("id", id).put("type_id", seq);
                if (eos != null) special(target, eos, seq);
            }
        }
        ObjectNode specials = p.putObject("special_tokens");
        for (Integer tokenId : new Integer[]{bosId, eosId}) {
            if (tokenId == null || specials.has(tokens.get(tokenId))) continue;
            String s = tokens.get(tokenId);
            ObjectNode o = specials.putObject(s);
            o.put("id", s);
            o.putArray("ids").add(tokenId);
            o.putArray("tokens").add(s);
        }
        return p;
    }

    private static void special(ArrayNode target, String token, int typeId) {
        target.addObject().putObject("SpecialToken").put("id", token).put("type_id", typeId);
    }
}
