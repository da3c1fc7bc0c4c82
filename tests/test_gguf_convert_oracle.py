"""GGUF -> Hugging Face translation vs transformers' own GGUF loader (transformers 5.24, gguf_file=...).

`engine convert` must give the same tokenizer.json transformers builds from the GGUF metadata, the config values
transformers derives, and bit-identical weights under the same names (q/k rows un-permuted), for the default model
(byte-level BPE, Q4_1/Q8_0, tied embeddings) and the tiny Llama-2 file (SentencePiece vocabulary, merges recovered
from scores, F16, untied).
"""
import json

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from conftest import run_engine


@pytest.fixture(scope="module", params=["default", "tiny"])
def case(request, shared, default_gguf, tmp_path_factory):
    gguf = default_gguf if request.param == "default" else shared / "models" / "gguf" / "llama-2-tiny-random.gguf"
    out = tmp_path_factory.mktemp("converted") / request.param
    run_engine("convert", "--gguf", gguf, "--out", out)
    return gguf, out


def test_tokenizer_json_equals_what_transformers_builds(case, tmp_path):
    from transformers import AutoTokenizer
    gguf, out = case
    ref_dir = tmp_path / "ref"
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(ref_dir)
    ours = json.loads((out / "tokenizer.json").read_text())
    ref = json.loads((ref_dir / "tokenizer.json").read_text())
    # For a SentencePiece (llama) vocabulary we deliberately follow sentencepiece/llama.cpp instead of transformers'
    # Metaspace(prepend_scheme="first"), which drops the dummy prefix before a leading space; see
    # test_sentencepiece_vocabulary_tokenizes_like_sentencepiece.
    spm = ours["model"]["byte_fallback"]
    for key in ref:
        if key == "model":
            for k in ref["model"]:
                if not (spm and k == "unk_token"):
                    assert ours["model"][k] == ref["model"][k], f"model.{k} differs"
        elif not (spm and key in ("normalizer", "pre_tokenizer")):
            assert ours[key] == ref[key], f"{key} differs"
    assert set(ours) == set(ref)
    cfg = json.loads((out / "tokenizer_config.json").read_text())
    ref_cfg = json.loads((ref_dir / "tokenizer_config.json").read_text())
    for k in ("bos_token", "eos_token", "unk_token", "pad_token"):
        assert cfg.get(k) == ref_cfg.get(k), k
    template = ref_dir / "chat_template.jinja"
    assert cfg.get("chat_template") == (template.read_text() if template.exists() else None)


def test_config_matches_transformers(case):
    from transformers import AutoConfig
    gguf, out = case
    ref = AutoConfig.from_pretrained(gguf.parent, gguf_file=gguf.name)
    ours = json.loads((out / "config.json").read_text())
    assert ours["architectures"] == ["LlamaForCausalLM"]
    for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
              "head_dim", "max_position_embeddings", "vocab_size", "tie_word_embeddings", "bos_token_id",
              "eos_token_id", "pad_token_id"):
        assert ours.get(k) == getattr(ref, k), k
    assert ours["rms_norm_eps"] == ref.rms_norm_eps
    assert ours["rope_theta"] == ref.rope_parameters["rope_theta"]


def test_weights_equal_transformers_state_dict(case):
    from transformers import AutoModelForCausalLM
    gguf, out = case
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    ref = {k: v.numpy() for k, v in model.state_dict().items()}
    ours = load_file(str(out / "model.safetensors"))
    config = json.loads((out / "config.json").read_text())
    if config["tie_word_embeddings"]:
        ref.pop("lm_head.weight")
    assert set(ours) == set(ref)
    for name, r in ref.items():
        assert ours[name].shape == r.shape, name
        assert np.array_equal(ours[name].view(np.uint32), r.view(np.uint32)), f"{name} differs from transformers"


def test_bf16_conversion_rounds_the_f32_weights(case, tmp_path):
    gguf, out = case
    if gguf.name != "llama-2-tiny-random.gguf":
        pytest.skip("one small file is enough for the bf16 path")
    bf = tmp_path / "bf16"
    run_engine("convert", "--gguf", gguf, "--out", bf, "--dtype", "bf16")
    from safetensors.torch import load_file as load_torch
    f32 = load_torch(str(out / "model.safetensors"))
    b16 = load_torch(str(bf / "model.safetensors"))
    assert json.loads((bf / "config.json").read_text())["torch_dtype"] == "bfloat16"
    for name, t in f32.items():
        assert b16[name].dtype == torch.bfloat16
        assert torch.equal(b16[name], t.to(torch.bfloat16)), name


def test_sentencepiece_vocabulary_tokenizes_like_sentencepiece(shared, tmp_path):
    """The tiny file's Llama-2 vocabulary, read by HF tokenizers from our tokenizer.json, vs sentencepiece itself
    with Llama-2's tokenizer.model, on llama.cpp's llama-spm inputs and a few more."""
    import sentencepiece
    from tokenizers import Tokenizer
    out = tmp_path / "tiny"
    run_engine("convert", "--gguf", shared / "models" / "gguf" / "llama-2-tiny-random.gguf", "--out", out)
    ours = Tokenizer.from_file(str(out / "tokenizer.json"))
    sp = sentencepiece.SentencePieceProcessor(model_file=str(shared / "tokenizers" / "llama2" / "tokenizer.model"))
    inputs = (shared / "tokenizers" / "ggml-vocab-llama-spm.gguf.inp").read_text(encoding="utf-8").split("\n__ggml_vocab_test__\n")
    inputs += ["Hello", " Hello", "  Hello  world  ", "\u00e9t\u00e9 \U0001f999 \u4e2d\u6587", "\x00\x01 \t\n", "a" * 50]
    assert len(inputs) >= 53
    for text in inputs:
        assert ours.encode(text, add_special_tokens=False).ids == sp.encode(text), repr(text)
    assert ours.encode("Hi").ids[0] == 1  # BOS, as add_bos_token defaults to true for a llama vocabulary
