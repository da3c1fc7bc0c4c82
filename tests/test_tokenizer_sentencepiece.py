"""SentencePiece tokenizer.model files vs the sentencepiece library: small BPE models trained here (identity
normalization, byte fallback, user-defined symbols; dummy prefix and extra-whitespace removal on and off) encode the
oracle strings to the same ids, and decode back to the same text."""
import json

import pytest

from conftest import run_engine
from test_tokenizer_oracle import generate_strings

spm = pytest.importorskip("sentencepiece")

VARIANTS = {
    "llama-like": dict(add_dummy_prefix=True, remove_extra_whitespaces=False),
    "defaults": dict(add_dummy_prefix=True, remove_extra_whitespaces=True),
    "no-dummy-prefix": dict(add_dummy_prefix=False, remove_extra_whitespaces=False),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_sentencepiece_model_equals_sentencepiece_library(name, shared, tmp_path):
    strings = generate_strings(shared)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text((shared / "data/text/tinystories_sample.txt").read_text(encoding="utf-8") + "\n"
                      + "\n".join(s for s in strings if s.strip()), encoding="utf-8")
    prefix = tmp_path / "sp"
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(prefix), vocab_size=1500, model_type="bpe",
                                   byte_fallback=True, character_coverage=0.9995, normalization_rule_name="identity",
                                   user_defined_symbols=["<|im_start|>", "<tool>"], minloglevel=2,
                                   **VARIANTS[name])
    sp = spm.SentencePieceProcessor(model_file=str(prefix) + ".model")
    inp = tmp_path / "strings.jsonl"
    inp.write_text("".join(json.dumps({"text": s}) + "\n" for s in strings), encoding="utf-8")
    ours = [json.loads(line) for line in run_engine("tokenize", "--model", str(prefix) + ".model", "--file", inp,
                                                    "--json", "--no-special").stdout.splitlines()]
    assert len(ours) == len(strings)
    bad = [f"{s!r}: ours {o['tokens']} vs {sp.encode(s, out_type=str)}"
           for s, o in zip(strings, ours) if o["ids"] != sp.encode(s)]
    assert not bad, f"{len(bad)}/{len(strings)} differ for {name}:\n" + "\n".join(bad[:15])
    for s, o in zip(strings, ours):
        assert o["decoded"] == sp.decode(o["ids"]), s
