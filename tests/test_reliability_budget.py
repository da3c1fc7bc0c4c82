"""Memory budgets (issue 9): a model, SAE or KV cache that does not fit in --memory-budget is refused up front with one
line naming the sizes; a budget that fits changes nothing. Sizes are recomputed here from the files themselves."""
import json
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

from conftest import run_engine, run_engine_json


def human(n):
    """MemoryBudget.human: binary units, one decimal below 100."""
    units = ["KiB", "MiB", "GiB"]
    v, u = float(n), -1
    while v >= 1024 and u < len(units) - 1:
        v /= 1024
        u += 1
    if u < 0:
        return f"{n} B"
    q = Decimal("1") if v >= 100 else Decimal("0.1")  # Java's %.Nf rounds half up
    return f"{Decimal(repr(v)).quantize(q, rounding=ROUND_HALF_UP)} {units[u]}"


@pytest.fixture(scope="module")
def model(shared):
    return shared / "models/stories260K"


def weight_bytes(model):
    total = 0
    with safe_open(model / "model.safetensors", "np") as f:
        for k in f.keys():
            total += f.get_tensor(k).nbytes  # stored as F32, held as F32
    return total


def error_line(p):
    assert p.returncode != 0
    lines = [l for l in p.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, p.stderr
    return lines[0]


def test_model_over_budget_is_refused_with_sizes(model):
    p = run_engine("generate", "--model", model, "--prompt", "Once", "--max-tokens", 4, "--memory-budget", "100k", check=False)
    msg = error_line(p)
    assert "loading model stories260K" in msg, msg
    assert f"weights (as stored) {human(weight_bytes(model))}" in msg, msg
    assert "the memory budget is 100 KiB (--memory-budget 100k)" in msg, msg


def test_kv_cache_over_budget_is_refused_before_generating(model):
    cfg = json.loads((model / "config.json").read_text())
    kv_dim = cfg["num_key_value_heads"] * cfg["hidden_size"] // cfg["num_attention_heads"]
    budget = weight_bytes(model) + 64 * 1024  # the weights fit, 200 positions of KV cache do not
    p = run_engine("generate", "--model", model, "--prompt", "Once", "--max-tokens", 200, "--memory-budget", budget,
                   check=False)
    msg = error_line(p)
    assert msg.startswith("error: generating 1 sequence needs"), msg
    positions = int(msg.split("KV cache (")[1].split(" positions")[0])
    assert 201 <= positions <= 210, msg
    kv = 2 * cfg["num_hidden_layers"] * kv_dim * positions * 4
    assert f"KV cache ({positions} positions) {human(kv)}" in msg, msg
    assert p.stdout.strip() == "", "nothing may be generated before the refusal"


def test_fitting_budget_changes_nothing(model):
    args = ["generate", "--model", model, "--prompt", "Once upon", "--max-tokens", 12, "--json"]
    free = run_engine_json(*args)
    budgeted = run_engine_json(*args, "--memory-budget", "64m")
    assert budgeted["generated_ids"] == free["generated_ids"]


def test_sae_over_budget_is_refused_with_sizes(model, tmp_path):
    d_in, d_sae = 64, 1024
    rng = np.random.default_rng(0)
    sae = tmp_path / "sae"
    sae.mkdir()
    save_file({"W_enc": rng.standard_normal((d_in, d_sae), dtype=np.float32), "b_enc": np.zeros(d_sae, np.float32),
               "W_dec": rng.standard_normal((d_sae, d_in), dtype=np.float32), "b_dec": np.zeros(d_in, np.float32)},
              str(sae / "sae_weights.safetensors"))
    (sae / "cfg.json").write_text(json.dumps({"architecture": "standard", "d_in": d_in, "d_sae": d_sae,
                                              "dtype": "float32", "apply_b_dec_to_input": True,
                                              "normalize_activations": "none",
                                              "metadata": {"hook_name": "blocks.2.hook_resid_post", "model_name": "x"}}))
    need = 4 * (2 * d_in * d_sae + d_sae + d_in)
    p = run_engine("sae", "encode", "--sae", sae, "--model", model, "--text", "Once", "--memory-budget", "256k", check=False)
    msg = error_line(p)
    assert f"loading SAE {sae}" in msg and f"SAE weights (f32) {human(need)}" in msg, msg
    ok = run_engine("sae", "encode", "--sae", sae, "--model", model, "--text", "Once", "--hook", "blocks.2.hook_resid_post", "--memory-budget", "64m", "--json")
    assert ok.returncode == 0
    # one budget for both: each fits alone in 1200 KiB, the SAE and the model together do not
    both = run_engine("sae", "encode", "--sae", sae, "--model", model, "--text", "Once", "--hook", "blocks.2.hook_resid_post",
                      "--memory-budget", "1200k", check=False)
    msg = error_line(both)
    assert "loading model stories260K" in msg and f"weights (as stored) {human(weight_bytes(model))}" in msg, msg
    assert f"the memory budget is {human(1200 * 1024 - need)} (--memory-budget 1200k, less the SAE {human(need)})" in msg, msg


def test_server_refuses_a_kv_budget_that_does_not_fit(model):
    p = run_engine("serve", "--model", model, "--port", 0, "--memory-budget", "2m", "--kv-budget-tokens", 100000,
                   check=False, timeout=120)
    msg = error_line(p)
    assert "serving with a KV-cache budget of 100000 positions" in msg and "KV cache (100000 positions)" in msg, msg


def test_unreadable_budget_is_one_clear_error(model):
    p = run_engine("generate", "--model", model, "--prompt", "x", "--memory-budget", "lots", check=False)
    assert "cannot read memory size 'lots'" in error_line(p)


def test_gguf_over_budget_is_refused_before_its_weights_are_read(shared):
    """A GGUF's weights are read into memory (dequantized) while it is opened, so its budget check must come first;
    the size is recomputed with gguf-py's reader: every tensor as f32 with --dtype f32."""
    from gguf import GGUFReader
    path = shared / "models/gguf/llama-2-tiny-random.gguf"
    f32_bytes = sum(int(t.n_elements) * 4 for t in GGUFReader(path).tensors)
    p = run_engine("generate", "--model", path, "--dtype", "f32", "--prompt", "Once", "--max-tokens", 4,
                   "--memory-budget", "100k", check=False)
    msg = error_line(p)
    assert "loading model llama-2-tiny-random.gguf" in msg, msg
    assert f"weights (F32, read from the GGUF) {human(f32_bytes)}" in msg, msg
    assert "the memory budget is 100 KiB (--memory-budget 100k)" in msg, msg
    fits = run_engine("generate", "--model", path, "--dtype", "f32", "--prompt", "Once", "--max-tokens", 4,
                      "--memory-budget", f32_bytes + (1 << 20))
    assert fits.stdout.strip()
