"""Model oracle for the default model: transformers loading the same GGUF (gguf_file=, float32) vs the engine.

On 5 chat prompts: logits at every position within 1e-3 of the largest reference logit (relative), greedy
48-token answers identical; the safetensors directory `engine convert` writes gives the same greedy answers.
"""
import json

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from conftest import run_engine, run_engine_json

PROMPTS = [
    "What is the capital of France?",
    "Write a short poem about the sea.",
    "Give me three tips for learning Python.",
    "Explain what a transformer neural network is in two sentences.",
    "List the planets of the solar system.",
]
NEW_TOKENS = 48


@pytest.fixture(scope="module")
def hf(default_gguf):
    """transformers' tokenizer and model from the GGUF, loaded once for the module."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(min(4, torch.get_num_threads()))
    tok = AutoTokenizer.from_pretrained(default_gguf.parent, gguf_file=default_gguf.name)
    model = AutoModelForCausalLM.from_pretrained(default_gguf.parent, gguf_file=default_gguf.name, dtype=torch.float32)
    model.eval()
    return tok, model


@pytest.fixture(scope="module")
def prompt_ids(hf):
    tok, _ = hf
    out = []
    for p in PROMPTS:
        text = tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
        out.append(tok.encode(text, add_special_tokens=False))
    return out


@pytest.fixture(scope="module")
def hf_greedy(hf, prompt_ids):
    _, model = hf
    answers = []
    with torch.no_grad():
        for ids in prompt_ids:
            x = torch.tensor([ids])
            y = model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=NEW_TOKENS, do_sample=False,
                               eos_token_id=2, pad_token_id=2)
            answers.append(y[0, len(ids):].tolist())
    return answers


def csv(ids):
    return ",".join(map(str, ids))


@pytest.mark.parametrize("i", range(len(PROMPTS)))
def test_logits_match_transformers(hf, prompt_ids, default_gguf, tmp_path, i):
    _, model = hf
    ids = prompt_ids[i]
    out = tmp_path / "fwd.safetensors"
    run_engine("forward", "--model", default_gguf, "--ids", csv(ids), "--out", out)
    ours = load_file(str(out))["logits"]
    with torch.no_grad():
        ref = model(torch.tensor([ids])).logits[0].numpy()
    assert ours.shape == ref.shape == (len(ids), 49152)
    scale = np.abs(ref).max()
    err = np.abs(ours - ref).max()
    assert err <= 1e-3 * scale, f"max |diff| {err} vs max |logit| {scale}"
    assert (ours.argmax(-1) == ref.argmax(-1)).all()


@pytest.mark.parametrize("i", range(len(PROMPTS)))
def test_greedy_answers_match_transformers(hf_greedy, prompt_ids, default_gguf, i):
    r = run_engine_json("generate", "--model", default_gguf, "--prompt-ids", csv(prompt_ids[i]),
                        "--max-tokens", NEW_TOKENS, "--json")
    assert r["prompt_ids"] == prompt_ids[i]
    assert r["generated_ids"] == hf_greedy[i]


def test_converted_directory_answers_like_the_gguf(hf_greedy, prompt_ids, default_gguf, tmp_path_factory):
    out = tmp_path_factory.mktemp("converted") / "smollm2"
    run_engine("convert", "--gguf", default_gguf, "--out", out)
    for i in (2,):
        r = run_engine_json("generate", "--model", out, "--prompt-ids", csv(prompt_ids[i]),
                            "--max-tokens", NEW_TOKENS, "--json")
        assert r["generated_ids"] == hf_greedy[i], PROMPTS[i]
    # and the chat path from text, through the converted tokenizer files
    a = run_engine_json("generate", "--model", out, "--chat", "--prompt", PROMPTS[0], "--max-tokens", NEW_TOKENS, "--json")
    assert a["prompt_ids"] == prompt_ids[0]
    assert a["generated_ids"] == hf_greedy[0]
