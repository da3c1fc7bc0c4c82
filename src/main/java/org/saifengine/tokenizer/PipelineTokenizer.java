package org.saifengine.tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Hugging Face tokenizer pipeline: added tokens are cut out first (non-normalized ones on the raw text,
 * normalized ones after normalization), each remaining segment is normalized, pre-tokenized and encoded by the
 * model, and the post-processor adds BOS/EOS. Decoding runs all token strings through the decoder chain.
 */
final class PipelineTokenizer implements Tokenizer {
    private final AddedTokenSplitter rawSplitter;
    private final AddedTokenSplitter normalizedSplitter;
    private final Map<Integer, AddedToken> added = new HashMap<>();
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final TokenModel model;
    private final PostProcessor post;
    private final Decoder decoder;
    private final Set<Integer> specialIds;
    private final int bosId;
    private final Set<Integer> eosIds;
    private final ChatTemplate chatTemplate;
    private final int vocabSize;

    /**
     * @param specialIds ids that count as special beyond added tokens flagged special (e.g. SentencePiece CONTROL)
     */
    PipelineTokenizer(List<AddedToken> addedTokens, Normalizer normalizer, PreTokenizer preTokenizer, TokenModel model,
                      PostProcessor post, Decoder decoder, Set<Integer> specialIds, int bosId, Set<Integer> eosIds,
                      ChatTemplate chatTemplate) {
        List<AddedToken> raw = new ArrayList<>(), norm = new ArrayList<>();
        int size = model.size();
        for (AddedToken t : addedTokens) {
            (t.normalized() ? norm : raw).add(t);
            added.put(t.id(), t);
            size = Math.max(size, t.id() + 1);
        }
        this.rawSplitter = new AddedTokenSplitter(raw);
        this.normalizedSplitter = new AddedTokenSplitter(norm);
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.post = post;
        this.decoder = decoder;
        this.specialIds = Set.copyOf(specialIds);
        this.bosId = bosId;
        this.eosIds = Collections.unmodifiableSet(new java.util.TreeSet<>(eosIds));
        this.chatTemplate = chatTemplate;
        this.vocabSize = size;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        if (text == null) throw new IllegalArgumentException("text to encode is null");
        IntList ids = new IntList();
        List<String> pieces = new ArrayList<>();
        for (var seg : rawSplitter.split(text, 0)) {
            if (seg.token() != null) {
                ids.add(seg.token().id());
                continue;
            }
            String normalized = normalizer.normalize(seg.text());
            boolean first = seg.offset() == 0;
            for (var inner : normalizedSplitter.split(normalized, seg.offset())) {
                if (inner.token() != null) {
                    ids.add(inner.token().id());
                    continue;
                }
                pieces.clear();
                preTokenizer.split(inner.text(), first && inner.offset() == seg.offset(), pieces);
                for (String p : pieces) model.encode(p, ids);
            }
        }
        int[] result = ids.toArray();
        return addSpecialTokens ? post.apply(result) : result;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (skipSpecialTokens && isSpecial(id)) continue;
            String t = tokenText(id);
            if (t != null) tokens.add(t);
        }
        if (tokens.isEmpty()) return "";
        return String.join("", decoder.decodeChain(tokens));
    }

    @Override
    public String tokenText(int id) {
        AddedToken t = added.get(id);
        return t != null ? t.content() : model.token(id);
    }

    @Override
    public boolean isSpecial(int id) {
        AddedToken t = added.get(id);
        return t != null ? t.special() : specialIds.contains(id);
    }

    /** The id of a token string (added tokens first), or -1. */
    int idOf(String token) {
        for (AddedToken t : added.values()) if (t.content().equals(token)) return t.id();
        return model.id(token);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public Set<Integer> eosIds() {
        return eosIds;
    }

    @Override
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }
}
