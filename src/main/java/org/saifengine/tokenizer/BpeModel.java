package org.saifengine.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hugging Face's BPE model: start from characters, merge adjacent pairs by merge rank (lowest first, leftmost on
 * ties). Characters missing from the vocabulary become {@code <0xXX>} byte tokens when byte_fallback is on, else
 * the unk token (consecutive unks fused when fuse_unk). With ignore_merges a piece that is itself in the vocabulary
 * is one token. Results per piece are cached.
 */
final class BpeModel implements TokenModel {
    private static final int CACHE_LIMIT = 200_000;
    private static final int CACHE_MAX_PIECE = 256;

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final Map<Long, Long> merges; // (left id, right id) -> key(rank, merged id)
    private final int unkId;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final int[] byteIds = new int[256];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();
    private final boolean splitAtMeta;

    /**
     * @param merges pairs in rank order (rank = index)
     */
    BpeModel(Map<String, Integer> vocab, java.util.List<String[]> merges, String unkToken, boolean byteFallback,
             boolean fuseUnk, boolean ignoreMerges) throws IOException {
        this.vocab = vocab;
        int size = 0;
        for (int id : vocab.values()) {
            if (id < 0) throw new IOException("negative token id " + id + " in BPE vocab");
            if (id >= maxId(vocab.size()))
                throw new IOException("token id " + id + " in BPE vocab is far beyond its " + vocab.size() + " entries");
            size = Math.max(size, id + 1);
        }
        this.tokens = new String[size];
        vocab.forEach((t, id) -> tokens[id] = t);
        this.merges = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            Integer a = vocab.get(m[0]), b = vocab.get(m[1]), ab = vocab.get(m[0] + m[1]);
            if (a == null || b == null)
                throw new IOException("BPE merge " + rank + " (\"" + m[0] + "\" \"" + m[1] + "\") uses a token not in the vocab");
            if (ab == null)
                throw new IOException("BPE merge " + rank + " (\"" + m[0] + "\" \"" + m[1] + "\") makes a token not in the vocab");
            this.merges.putIfAbsent(pair(a, b), PairMerge.key(rank, ab));
        }
        Integer unk = unkToken == null ? null : vocab.get(unkToken);
        if (unkToken != null && unk == null) throw new IOException("BPE unk_token '" + unkToken + "' is not in the vocab");
        this.unkId = unk == null ? -1 : unk;
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        this.splitAtMeta = MetaspaceWords.safeToSplit(vocab.keySet());
    }

    /**
     * Ids bound the token table's size, so a vocabulary's ids must stay near its entry count (real ones are dense):
     * one entry with id 2^31-1 would otherwise allocate gigabytes.
     */
    static long maxId(int entries) {
        return 4L * entries + 1024;
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    @Override
    public void encode(String piece, IntList out) {
        if (piece.isEmpty()) return;
        if (ignoreMerges) {
            Integer whole = vocab.get(piece);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        if (splitAtMeta && piece.length() > CACHE_MAX_PIECE) {
            MetaspaceWords.forEachWord(piece, w -> encodeWord(w, out));
        } else {
            encodeWord(piece, out);
        }
    }

    private void encodeWord(String piece, IntList out) {
        int[] cached = cache.get(piece);
        if (cached == null) {
            cached = merge(piece);
            if (piece.length() <= CACHE_MAX_PIECE) {
                if (cache.size() >= CACHE_LIMIT) cache.clear();
                cache.put(piece, cached);
            }
        }
        out.addAll(cached);
    }

    private int[] merge(String piece) {
        IntList ids = new IntList();
        boolean lastWasUnk = false;
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            int len = Character.charCount(cp);
            Integer id = vocab.get(piece.substring(i, i + len));
            i += len;
            if (id != null) {
                ids.add(id);
                lastWasUnk = false;
                continue;
            }
            if (byteFallback) {
                byte[] bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) all &= byteIds[b & 0xFF] >= 0;
                if (all) {
                    for (byte b : bytes) ids.add(byteIds[b & 0xFF]);
                    lastWasUnk = false;
                    continue;
                }
            }
            if (unkId >= 0 && !(fuseUnk && lastWasUnk)) ids.add(unkId);
            lastWasUnk = unkId >= 0;
        }
        int n = ids.size();
        if (n < 2) return ids.toArray();
        int[] symIds = ids.toArray();
        int[] start = new int[n], end = new int[n];
        for (int i = 0; i < n; i++) {
            start[i] = i;
            end[i] = i + 1;
        }
        PairMerge pm = new PairMerge(symIds, start, end, null, (l, r, s, e) -> {
            Long k = merges.get(pair(l, r));
            return k == null ? PairMerge.NONE : k;
        });
        pm.run();
        IntList result = new IntList();
        for (int i = 0; i >= 0; i = pm.next[i]) result.add(pm.ids[i]);
        return result.toArray();
    }

    @Override
    public int id(String token) {
        return vocab.getOrDefault(token, -1);
    }

    @Override
    public String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    @Override
    public int size() {
        return tokens.length;
    }
}
