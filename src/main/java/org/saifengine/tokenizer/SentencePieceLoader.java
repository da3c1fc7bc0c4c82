package org.saifengine.tokenizer;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A tokenizer over a SentencePiece model: SentencePiece's own normalization (collapse extra spaces if asked, a
 * dummy-prefix space, spaces as ▁), score-based BPE, and decoding ▁ back to spaces with byte fallback.
 */
final class SentencePieceLoader {
    private SentencePieceLoader() {}

    static Tokenizer load(SentencePieceModelFile file, TokenizerConfig config) throws IOException {
        SentencePieceBpe model = new SentencePieceBpe(file);
        if (!file.normalizerName().isEmpty() && !file.normalizerName().equals("identity"))
            System.err.println("warning: SentencePiece normalizer '" + file.normalizerName()
                    + "' is not applied (only identity is supported)");
        Normalizer normalizer = spNormalizer(file.removeExtraWhitespaces(), file.addDummyPrefix(), file.escapeWhitespaces());
        Set<Integer> special = new HashSet<>();
        for (int i = 0; i < model.size(); i++) {
            int t = model.type(i);
            if (t == SentencePieceModelFile.CONTROL || t == SentencePieceModelFile.UNKNOWN) special.add(i);
        }
        int bos = config.bosToken() != null ? model.id(config.bosToken()) : validId(file.bosId(), model);
        int eos = config.eosToken() != null ? model.id(config.eosToken()) : validId(file.eosId(), model);
        boolean addBos = config.addBosToken() == null || config.addBosToken(); // SentencePiece LMs (Llama) add BOS
        boolean addEos = Boolean.TRUE.equals(config.addEosToken());
        IntList prefix = new IntList(), suffix = new IntList();
        if (addBos && bos >= 0) prefix.add(bos);
        if (addEos && eos >= 0) suffix.add(eos);
        Decoder decoder = tokens -> {
            List<String> out = new java.util.ArrayList<>(tokens.size());
            for (String t : tokens) out.add(t.replace("▁", " "));
            return out;
        };
        Decoder chain = tokens -> {
            String text = String.join("", Decoder.byteFallback(decoder.decodeChain(tokens)));
            return List.of(file.addDummyPrefix() && text.startsWith(" ") ? text.substring(1) : text);
        };
        String bosText = bos >= 0 ? model.token(bos) : null, eosText = eos >= 0 ? model.token(eos) : null;
        ChatTemplate template = config.chatTemplate() == null ? null : new JinjaChatTemplate(config.chatTemplate(), bosText, eosText);
        return new PipelineTokenizer(List.of(), normalizer, PreTokenizer.NONE, model,
                new PostProcessor(prefix.toArray(), suffix.toArray()), chain, special, bos,
                Tokenizers.eosIds(eosText, eos, model::id), template);
    }

    private static int validId(int id, SentencePieceBpe model) {
        return id >= 0 && id < model.size() ? id : -1;
    }

    /** Runs of two or more spaces, matched after the ends are stripped ("\\A +| +\\z" was quadratic in a run's length). */
    private static final Pattern SPACES = Pattern.compile(" {2,}");

    private static Normalizer spNormalizer(boolean removeExtra, boolean dummyPrefix, boolean escape) {
        return (text, limit) -> { // grows by one character at most
            String t = text;
            if (removeExtra) t = SPACES.matcher(PythonStringMethods.strip(t, " ", true, true)).replaceAll(" ");
            if (dummyPrefix && !t.isEmpty()) t = " " + t;
            return escape ? t.replace(' ', '▁') : t;
        };
    }
}
