/**
 * Tokenizers: text to ids and back, exactly as Hugging Face {@code tokenizers} and SentencePiece do it.
 *
 * <p>Entry points: {@link org.saifengine.tokenizer.Tokenizers#load(org.saifengine.io.ModelFiles)} (a model's
 * tokenizer.json + tokenizer_config.json, else its tokenizer.model), {@code Tokenizers.loadPath} (tokenizer files
 * only: a directory, tokenizer.json, tokenizer.model or llama2.c tokenizer.bin), {@code Tokenizers.fromJson} and
 * {@code Tokenizers.fromVocabAndMerges} (GPT-2 vocab.json + merges.txt).
 *
 * <p>tokenizer.json runs the Hugging Face pipeline ({@code PipelineTokenizer}): added tokens cut out first
 * ({@code AddedTokenSplitter}), then {@code Normalizer}, {@code PreTokenizer} (Split with the file's regex via
 * {@code PythonRegex}, ByteLevel, Metaspace, Digits), the rank-based {@code BpeModel} (byte fallback, ignore_merges),
 * the post-processor template (BOS/EOS), and the {@code Decoder} chain. SentencePiece models use the score-based
 * {@code SentencePieceBpe} with SentencePiece's own normalization. Both merge loops share {@code PairMerge}
 * (heap + linked list). Chat templates render with jinjava set up like transformers' jinja2
 * ({@code JinjaChatTemplate}, {@code PythonStringMethods}, {@code PythonToJsonFilter}, {@code JinjaCompat}).
 *
 * <p>Checked against references in tests: stories260K golden ids, llama.cpp's GPT-2 and Llama-SPM vectors, and
 * pytest oracles against tokenizers (ids, decode, DecodeStream), sentencepiece and transformers' apply_chat_template.
 */
package org.saifengine.tokenizer;
