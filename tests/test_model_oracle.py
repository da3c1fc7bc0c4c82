"""Oracle: our forward pass and greedy decoding vs Hugging Face transformers (eager attention) on tiny random
Llama (GQA, llama3 rope scaling, untied), Qwen2 (q/k/v bias, tied) and Gemma-2 (soft-capping, sliding window
shorter than the prompt, head_dim != hidden/heads, query_pre_attn_scalar) models saved with save_pretrained in
f32 and bf16. Tolerances (max abs difference / max abs value): 1e-4 in f32, 2e-2 in bf16."""
import json

import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import run_engine, run_engine_json

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

PROMPT_LEN = 40
GEN = 32
TOL = {"f32": 1e-4, "bf16": 2e-2}


def llama_config():
    return transformers.LlamaConfig(
        vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=256, tie_word_embeddings=False,
        rope_parameters={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 64})


def qwen2_config():
    return transformers.Qwen2Config(
        vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=256, tie_word_embeddings=True, rope_theta=1000000.0)


def gemma2_config():
    return transformers.Gemma2Config(
        vocab_size=512, hidden_size=48, intermediate_size=96, num_hidden_layers=3, num_attention_heads=4,
        num_key_value_heads=2, head_dim=32, sliding_window=8, attn_logit_softcapping=5.0,
        final_logit_softcapping=3.0, query_pre_attn_scalar=24, max_position_embeddings=256)


CONFIGS = {"llama": llama_config, "qwen2": qwen2_config, "gemma2": gemma2_config}


# Std of the re-drawn weights: large enough that biases and soft-caps matter (Gemma-2's pre-cap logits reach
# about the final cap), small enough that transformers' own bf16 arithmetic stays inside the bf16 tolerance.
WEIGHT_STD = {"llama": 0.15, "qwen2": 0.15, "gemma2": 0.1}


def make_model(name, dtype, tmp_path):
    """Saves a seeded random model and returns transformers' model as loaded back from the files, and the path."""
    torch.manual_seed(1234)
    cfg = CONFIGS[name]()
    model = transformers.AutoModelForCausalLM.from_config(cfg, attn_implementation="eager")
    with torch.no_grad():
        # Re-draw every parameter, norm weights and biases included.
        for p_name, p in model.named_parameters():
            p.normal_(0.0, 2 * WEIGHT_STD[name] if "norm" in p_name else WEIGHT_STD[name])
    out = tmp_path / f"{name}-{dtype}"
    model.to(torch.bfloat16 if dtype == "bf16" else torch.float32).save_pretrained(out)
    return load_hf(out, torch.bfloat16 if dtype == "bf16" else torch.float32), out


def load_hf(path, torch_dtype):
    return transformers.AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype, attn_implementation="eager").eval()


def hf_states(model, ids):
    """Embedding output, every block's output (before the final norm) and logits, as f32 numpy."""
    blocks = []
    hooks = [layer.register_forward_hook(lambda m, i, o: blocks.append((o[0] if isinstance(o, tuple) else o).detach()))
             for layer in model.model.layers]
    try:
        with torch.no_grad():
            out = model(torch.tensor([ids]), output_hidden_states=True)
    finally:
        for h in hooks:
            h.remove()
    f = lambda t: t[0].float().numpy()
    return f(out.hidden_states[0]), [f(b) for b in blocks], f(out.logits)


def rel(ours, ref):
    return float(np.max(np.abs(ours - ref)) / np.max(np.abs(ref)))


@pytest.fixture(scope="module")
def prompt_ids():
    rng = np.random.default_rng(7)
    return [int(i) for i in rng.integers(3, 512, size=PROMPT_LEN)]


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_forward_and_greedy_match_transformers(name, dtype, tmp_path, prompt_ids):
    model, path = make_model(name, dtype, tmp_path)
    tol = TOL[dtype]
    embed, blocks, logits = hf_states(model, prompt_ids)

    dump = tmp_path / "dump.safetensors"
    run_engine("forward", "--model", path, "--ids", ",".join(map(str, prompt_ids)), "--out", dump)
    ours = load_file(str(dump))
    assert ours["logits"].shape == logits.shape
    assert rel(ours["embed"], embed) <= tol, f"embed: {rel(ours['embed'], embed)}"
    for layer, ref in enumerate(blocks):
        err = rel(ours[f"resid_post.{layer}"], ref)
        assert err <= tol, f"resid_post.{layer}: relative error {err} > {tol}"
    err = rel(ours["logits"], logits)
    assert err <= tol, f"logits: relative error {err} > {tol}"
    if dtype == "bf16":
        # Stronger: the same bf16 weights run by transformers in f32 must agree to f32 precision (our activations
        # are f32). Gemma's embedding scale is rounded to bf16 as transformers does in the checkpoint's dtype.
        upcast = load_hf(path, torch.float32)
        if name == "gemma2":
            upcast.model.embed_tokens.embed_scale.copy_(torch.tensor(48 ** 0.5).to(torch.bfloat16).float())
        _, blocks32, logits32 = hf_states(upcast, prompt_ids)
        for layer, ref in enumerate(blocks32):
            assert rel(ours[f"resid_post.{layer}"], ref) <= TOL["f32"], f"resid_post.{layer} vs f32 run of bf16 weights"
        assert rel(ours["logits"], logits32) <= TOL["f32"], "logits vs f32 run of bf16 weights"

    # Greedy continuation: HF argmax loop on the full sequence each step (no generate() heuristics).
    seq = list(prompt_ids)
    margins = []
    with torch.no_grad():
        for _ in range(GEN):
            step = model(torch.tensor([seq])).logits[0, -1].float()
            top2 = torch.topk(step, 2).values
            margins.append(float(top2[0] - top2[1]) / float(step.abs().max()))
            seq.append(int(step.argmax()))
    hf_ids = seq[PROMPT_LEN:]
    out = run_engine_json("generate", "--model", path, "--prompt-ids", ",".join(map(str, prompt_ids)),
                          "--max-tokens", GEN, "--ignore-eos", "--json")
    assert out["prompt_ids"] == prompt_ids
    ours_ids = out["generated_ids"]
    assert len(ours_ids) == GEN
    if dtype == "f32":
        assert ours_ids == hf_ids
    else:
        # Identical up to the first step where HF's own top-2 margin is inside the tolerance.
        n = next((i for i, m in enumerate(margins) if m < tol), GEN)
        assert ours_ids[:n] == hf_ids[:n], f"diverged before step {n}, where transformers' margin is still clear"


def test_config_json_written_by_transformers_parses(tmp_path):
    """inspect reads each family's config and reports the architecture and parameter count torch reports."""
    for name in CONFIGS:
        model, path = make_model(name, "f32", tmp_path)
        info = run_engine_json("inspect", "--model", path, "--json")
        assert info["architecture"] == type(model).__name__
        assert info["parameters"] == sum(p.numel() for p in model.parameters())
