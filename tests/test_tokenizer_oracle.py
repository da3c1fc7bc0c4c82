"""Tokenizer oracle: the engine's tokenizers vs Hugging Face `tokenizers` on >= 300 generated strings each.

Covers every tokenizer at hand: stories260K (SentencePiece-style BPE with byte fallback), GPT-2 (byte-level, built
from vocab.json/merges.txt), Llama-2 (tokenizer.model converted by transformers; also rewritten into the older
split-Metaspace form and a Gemma-style Replace-normalizer form), and byte-level tokenizers trained
here with a Llama-3 regex + ignore_merges, a Qwen2 regex + NFC, and SmolLM2's Digits + ByteLevel pre-tokenizer,
all with special tokens that the strings embed. Ids must be 100% equal, and decoding must agree (whole, and token by
token against tokenizers' DecodeStream)."""
import json
import random
import shutil

import pytest

from conftest import run_engine

tokenizers = pytest.importorskip("tokenizers")
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402
from tokenizers.decoders import DecodeStream  # noqa: E402

LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<s>", "</s>", "<unk>", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>",
            "<|eot_id|>", "<|tool|>"]

WORDS = ("the a cat sat on mat Hello hello world World tokenization Tokenizer don't I'M you'RE it's we'll "
         "they'd she's naïve café résumé Straße Ärger œuvre façade jalapeño coöperate").split()
UNICODE = ["Привет мир", "Καλημέρα κόσμε", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก",
           "e\u0301te\u0301", "Å Å Å", "ﬁﬂ ｆｕｌｌｗｉｄｔｈ", "Ⅻ ½ ² ③", "ǅemal", "İstanbul ıi"]
EMOJI = ["🦙", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "🇩🇪🇯🇵", "❤️", "😶‍🌫️", "🚀🚀🚀", "☃", "🤖 says hi"]
CJK = ["你好，世界！", "東京都は日本の首都です。", "こんにちは、カタカナ、ひらがな", "안녕하세요 세계", "汉字漢字かな交じり文",
       "中文English混合123"]
CODE = ["def f(x):\n    return x**2  # square\n", "for (int i = 0; i < n; i++) { sum += a[i]; }",
        '{"key": [1, 2.5, null], "nested": {"a": "b"}}', "if x != y && z >= 10 || !flag:\n\tpass",
        "const s = `template ${value}`;\r\n", "<div class=\"x\">&amp;</div>", "SELECT * FROM t WHERE id=42;",
        "#include <stdio.h>\nint main(){printf(\"%d\\n\",1);}", "λx.x → ∀y∈ℝ: y² ≥ 0"]
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\u00a0", "\u3000", "\u2003", "\t\t ", "\n \n"]


def generate_strings(shared):
    """Deterministic (fixed seed) strings across the categories the issue names."""
    rng = random.Random(20240611)
    text = (shared / "data/text/tinystories_sample.txt").read_text(encoding="utf-8")
    wiki = (shared / "data/text/wikitext2_test.txt").read_text(encoding="utf-8")[:200000]
    lines = [line for line in text.splitlines() if line.strip()]
    wlines = [line for line in wiki.splitlines() if line.strip()]
    out = ["", " ", "\n", "a", " a", "a ", "  leading and trailing  ", "Hello world", " Hello World!"]
    for _ in range(30):
        out.append(rng.choice(lines)[: rng.randint(5, 200)])
    for _ in range(30):
        out.append(rng.choice(wlines)[: rng.randint(5, 300)])
    for _ in range(30):
        out.append(" ".join(rng.choice(UNICODE + WORDS) for _ in range(rng.randint(1, 6))))
    for _ in range(25):
        out.append(rng.choice(["", " "]).join(rng.choice(EMOJI + WORDS[:5]) for _ in range(rng.randint(1, 5))))
    for _ in range(30):
        parts = []
        for _ in range(rng.randint(1, 6)):
            parts.append(rng.choice(WORDS))
            parts.append("".join(rng.choice(SPACES) for _ in range(rng.randint(1, 4))))
        out.append("".join(parts) if rng.random() < 0.5 else "".join(parts[::-1]))
    for _ in range(30):
        kind = rng.randrange(4)
        if kind == 0:
            out.append(str(rng.randrange(10 ** rng.randint(1, 20))))
        elif kind == 1:
            out.append(f"{rng.uniform(-1e6, 1e6):,.{rng.randint(0, 6)}f} and {rng.randint(0, 99999)}")
        elif kind == 2:
            out.append(f"call +1 ({rng.randint(100, 999)}) {rng.randint(100, 999)}-{rng.randint(1000, 9999)} now")
        else:
            out.append(f"in {rng.randint(1000, 2100)}, {rng.randint(1, 999)}% of x{rng.randint(0, 99)}y grew")
    for _ in range(25):
        out.append(rng.choice(CODE))
        out[-1] = out[-1][: rng.randint(3, len(out[-1]))] if rng.random() < 0.5 else out[-1]
    for _ in range(25):
        out.append("".join(rng.choice(CJK + [" ", "\n"] + WORDS[:3]) for _ in range(rng.randint(1, 4))))
    for _ in range(45):
        pieces = []
        for _ in range(rng.randint(1, 5)):
            pieces.append(rng.choice(SPECIALS))
            pieces.append(rng.choice(["", " ", "\n", " hi ", "text", rng.choice(WORDS), " " + rng.choice(CJK)]))
        out.append("".join(pieces))
    for _ in range(20):
        out.append(rng.choice(["I", "YOU", "we", "They"]) + rng.choice(["'M", "'re", "'ll", "'VE", "'d", "'S", "'t"])
                   + rng.choice([" fine", "!!!", "???", "...", " -- ok", "''", "\"quoted\""]))
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x600, 0x6FF), (0x900, 0x97F),
              (0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x1F300, 0x1FAFF), (0xE000, 0xE0FF),
              (0x10000, 0x1007F), (0x2000, 0x206F)]
    for _ in range(40):
        chars = []
        for _ in range(rng.randint(1, 12)):
            lo, hi = rng.choice(ranges)
            chars.append(chr(rng.randint(lo, hi)))
        out.append("".join(chars))
    return out


@pytest.fixture(scope="session")
def strings(shared):
    s = generate_strings(shared)
    assert len(s) >= 300
    return s


def _save(tok, directory):
    directory.mkdir(parents=True, exist_ok=True)
    tok.save(str(directory / "tokenizer.json"))
    return directory


def _train_byte_level(shared, strings, pre_tokenizer, normalizer, ignore_merges, specials, vocab_size=3000):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    corpus = [(shared / "data/text/tinystories_sample.txt").read_text(encoding="utf-8"),
              (shared / "data/text/wikitext2_test.txt").read_text(encoding="utf-8")[:300000]] + strings
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(corpus, trainer=trainer)
    return tok


def _with_whole_words(tok, words):
    """Adds vocabulary entries no merge builds, so that only ignore_merges can produce them."""
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    next_id = max(max(vocab.values()), max(a["id"] for a in data["added_tokens"])) + 1
    for w in words:
        if w not in vocab:
            vocab[w] = next_id
            next_id += 1
    return Tokenizer.from_str(json.dumps(data))


@pytest.fixture(scope="session")
def tokenizer_dirs(shared, strings, tmp_path_factory):
    root = tmp_path_factory.mktemp("tokenizers")
    dirs = {"stories260K": shared / "models/stories260K"}

    gpt2 = Tokenizer(models.BPE.from_file(str(shared / "tokenizers/gpt2/gpt2_vocab.json"),
                                          str(shared / "tokenizers/gpt2/gpt2_merges.txt")))
    gpt2.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    gpt2.decoder = decoders.ByteLevel()
    gpt2.post_processor = processors.ByteLevel(trim_offsets=False)
    gpt2.add_special_tokens(["<|endoftext|>"])
    dirs["gpt2"] = _save(gpt2, root / "gpt2")

    transformers = pytest.importorskip("transformers")
    src = root / "llama2-src"
    src.mkdir()
    shutil.copy(shared / "tokenizers/llama2/tokenizer.model", src / "tokenizer.model")
    transformers.LlamaTokenizer.from_pretrained(str(src)).save_pretrained(str(root / "llama2"))
    dirs["llama2"] = root / "llama2"

    # Older Llama/Mistral files: Metaspace that splits words and always prepends, with a Metaspace decoder.
    data = json.loads((root / "llama2" / "tokenizer.json").read_text(encoding="utf-8"))
    data["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    data["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "ByteFallback"}, {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                                   "split": True}]}
    (root / "metaspace-split").mkdir()
    (root / "metaspace-split" / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    dirs["metaspace-split"] = root / "metaspace-split"

    # Gemma style: spaces become \u2581 by a Replace normalizer, no dummy prefix, no pre-tokenizer, BOS template.
    data["normalizer"] = {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}
    data["pre_tokenizer"] = None
    data["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"},
        {"type": "Fuse"}]}
    data["post_processor"] = {"type": "TemplateProcessing", "single": [
        {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"Sequence": {"id": "A", "type_id": 0}}], "special_tokens": {"<s>": {"id": "<s>", "ids": [1],
                                                                                        "tokens": ["<s>"]}}}
    (root / "gemma-style").mkdir()
    (root / "gemma-style" / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    dirs["gemma-style"] = root / "gemma-style"

    specials = ["<|begin_of_text|>", "<|im_start|>", "<|im_end|>", "<|eot_id|>"]
    llama3 = _train_byte_level(shared, strings, pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]), None, True, specials)
    llama3 = _with_whole_words(llama3, ["Ġtokenization", "ĠTokenizer", "Ġjalapeño".encode().decode(), "ĠWorld",
                                        "Ġcoöperate", "ĠStraÃŁe", "ĠÐŁÑĢÐ¸Ð²ÐµÑĤ"])
    llama3.post_processor = processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                                          special_tokens=[("<|begin_of_text|>", 0)])
    llama3.add_special_tokens([AddedToken("<|tool|>", lstrip=True, special=True)])
    dirs["llama3-style"] = _save(llama3, root / "llama3")

    qwen2 = _train_byte_level(shared, strings, pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]), normalizers.NFC(), False,
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    qwen2.add_tokens([AddedToken("hello world", normalized=True), AddedToken("<tool_call>", special=False)])
    dirs["qwen2-style"] = _save(qwen2, root / "qwen2")

    smol = _train_byte_level(shared, strings, pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]), None, False,
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    dirs["smollm2-style"] = _save(smol, root / "smollm2")
    return dirs


@pytest.mark.parametrize("name", ["stories260K", "gpt2", "llama2", "metaspace-split", "gemma-style", "llama3-style",
                                  "qwen2-style", "smollm2-style"])
@pytest.mark.parametrize("add_special", [True, False], ids=["special", "no-special"])
def test_ids_and_decode_equal_to_hf_tokenizers(name, add_special, tokenizer_dirs, strings, tmp_path):
    directory = tokenizer_dirs[name]
    ref = Tokenizer.from_file(str(directory / "tokenizer.json"))
    inp = tmp_path / "strings.jsonl"
    inp.write_text("".join(json.dumps({"text": s}) + "\n" for s in strings), encoding="utf-8")
    args = ["tokenize", "--model", directory, "--file", inp, "--json", "--stream"] + ([] if add_special else ["--no-special"])
    ours = [json.loads(line) for line in run_engine(*args).stdout.splitlines()]
    assert len(ours) == len(strings)
    bad = []
    for s, o in zip(strings, ours):
        enc = ref.encode(s, add_special_tokens=add_special)
        if o["ids"] != enc.ids:
            bad.append(f"{s!r}: ours {o['tokens']} vs {enc.tokens}")
            continue
        assert o["tokens"] == [ref.id_to_token(i) for i in enc.ids], s
        assert o["decoded"] == ref.decode(enc.ids, skip_special_tokens=False), s
        assert o["decoded_skip_special"] == ref.decode(enc.ids, skip_special_tokens=True), s
        stream = DecodeStream(skip_special_tokens=False)
        assert o["stream"] == [stream.step(ref, i) or "" for i in enc.ids], s
    assert not bad, f"{len(bad)}/{len(strings)} differ for {name}:\n" + "\n".join(bad[:15])


def test_default_gguf_model_tokenizer_equals_transformers_gguf_loader(strings, tmp_path, default_gguf):
    """The default model (SmolLM2 GGUF): its tokenizer as the engine reads it from GGUF metadata vs
    transformers' own GGUF tokenizer conversion, on the same strings, with special tokens."""
    transformers = pytest.importorskip("transformers")
    gguf = default_gguf
    ref = transformers.AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    inp = tmp_path / "strings.jsonl"
    inp.write_text("".join(json.dumps({"text": s}) + "\n" for s in strings), encoding="utf-8")
    ours = [json.loads(line) for line in
            run_engine("tokenize", "--model", gguf, "--file", inp, "--json").stdout.splitlines()]
    bad = [f"{s!r}: ours {o['tokens']} vs {ref.convert_ids_to_tokens(ref.encode(s))}"
           for s, o in zip(strings, ours) if o["ids"] != ref.encode(s)]
    assert not bad, f"{len(bad)}/{len(strings)} differ:\n" + "\n".join(bad[:15])
    for s, o in list(zip(strings, ours))[:100]:
        assert o["decoded"] == ref.decode(o["ids"]), s
