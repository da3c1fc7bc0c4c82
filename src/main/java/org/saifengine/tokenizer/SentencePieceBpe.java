package org.saifengine.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece's BPE encoder (bpe_model.cc): split the normalized text into characters, user-defined pieces
 * taken whole by longest match (and never merged); merge the adjacent pair whose concatenation is the piece with
 * the highest score (leftmost on ties); a final symbol not in the vocabulary becomes its UTF-8 bytes as
 * {@code <0xXX>} pieces with byte fallback, else unk. Normalization (▁ for spaces, dummy prefix) happens before.
 */
final class SentencePieceBpe implements TokenModel {
    private final String[] pieces;
    private final float[] scores;
    private final int[] types;
    private final Map<String, Integer> mergeable = new HashMap<>(); // NORMAL, USER_DEFINED, UNUSED pieces
    private final Map<String, Integer> all = new HashMap<>();
    private final Map<Character, List<String>> userDefined = new HashMap<>(); // by first char, longest first
    private final int unkId;
    private final boolean byteFallback;
    private final int[] byteIds = new int[256];
    private final boolean splitAtMeta;
    private final Map<String, int[]> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 200_000, CACHE_MAX_WORD = 64;

    SentencePieceBpe(SentencePieceModelFile model) throws IOException {
        if (model.modelType() != SentencePieceModelFile.BPE)
            throw new IOException("unsupported SentencePiece model type " + model.modelType()
                    + " (only BPE = 2 is supported; 1 is UNIGRAM)");
        int n = model.pieces().size();
        pieces = new String[n];
        scores = new float[n];
        types = new int[n];
        for (int i = 0; i < n; i++) {
            var p = model.pieces().get(i);
            pieces[i] = p.text();
            scores[i] = p.score();
            types[i] = p.type();
            all.putIfAbsent(p.text(), i);
            if (p.type() == SentencePieceModelFile.NORMAL || p.type() == SentencePieceModelFile.USER_DEFINED
                    || p.type() == SentencePieceModelFile.UNUSED) mergeable.putIfAbsent(p.text(), i);
            if (p.type() == SentencePieceModelFile.USER_DEFINED && !p.text().isEmpty())
                userDefined.computeIfAbsent(p.text().charAt(0), c -> new ArrayList<>()).add(p.text());
        }
        userDefined.values().forEach(l -> l.sort((a, b) -> b.length() - a.length()));
        if (model.unkId() < 0 || model.unkId() >= n) throw new IOException("unk id " + model.unkId() + " out of range");
        unkId = model.unkId();
        byteFallback = model.byteFallback();
        splitAtMeta = MetaspaceWords.safeToSplit(mergeable.keySet());
        for (int b = 0; b < 256; b++) byteIds[b] = all.getOrDefault(String.format("<0x%02X>", b), -1);
        if (byteFallback) {
            for (int b = 0; b < 256; b++)
                if (byteIds[b] < 0) throw new IOException(String.format("byte_fallback is on but piece <0x%02X> is missing", b));
        }
    }

    int type(int id) {
        return types[id];
    }

    @Override
    public void encode(String text, IntList out) {
        if (splitAtMeta) MetaspaceWords.forEachWord(text, w -> encodeCached(w, out));
        else encodeWord(text, out);
    }

    private void encodeCached(String word, IntList out) {
        if (word.length() > CACHE_MAX_WORD) {
            encodeWord(word, out);
            return;
        }
        int[] ids = cache.get(word);
        if (ids == null) {
            IntList l = new IntList();
            encodeWord(word, l);
            ids = l.toArray();
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(word, ids);
        }
        out.addAll(ids);
    }

    private void encodeWord(String text, IntList out) {
        if (text.isEmpty()) return;
        List<int[]> syms = new ArrayList<>(); // {start, end, frozen}
        for (int i = 0; i < text.length(); ) {
            String ud = userDefinedAt(text, i);
            if (ud != null) {
                syms.add(new int[]{i, i + ud.length(), 1});
                i += ud.length();
            } else {
                int len = Character.charCount(text.codePointAt(i));
                syms.add(new int[]{i, i + len, 0});
                i += len;
            }
        }
        int n = syms.size();
        int[] ids = new int[n], start = new int[n], end = new int[n];
        boolean[] frozen = new boolean[n];
        for (int i = 0; i < n; i++) {
            int[] s = syms.get(i);
            start[i] = s[0];
            end[i] = s[1];
            frozen[i] = s[2] == 1;
            ids[i] = mergeable.getOrDefault(text.substring(s[0], s[1]), -1);
        }
        PairMerge pm = new PairMerge(ids, start, end, frozen, (l, r, s, e) -> {
            Integer id = mergeable.get(text.substring(s, e));
            return id == null ? PairMerge.NONE : PairMerge.key(~PairMerge.sortableBits(scores[id]), id); // higher score first
        });
        pm.run();
        for (int i = 0; i >= 0; i = pm.next[i]) {
            int id = pm.ids[i];
            if (id >= 0 && types[id] != SentencePieceModelFile.UNUSED) {
                out.add(id);
            } else if (byteFallback) {
                for (byte b : text.substring(pm.start[i], pm.end[i]).getBytes(StandardCharsets.UTF_8)) out.add(byteIds[b & 0xFF]);
            } else {
                out.add(unkId);
            }
        }
    }

    private String userDefinedAt(String text, int i) {
        List<String> candidates = userDefined.get(text.charAt(i));
        if (candidates != null) for (String u : candidates) if (text.startsWith(u, i)) return u;
        return null;
    }

    @Override
    public int id(String token) {
        return all.getOrDefault(token, -1);
    }

    @Override
    public String token(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    @Override
    public int size() {
        return pieces.length;
    }
}
