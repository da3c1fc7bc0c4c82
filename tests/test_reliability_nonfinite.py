"""Numerical faults (issue 9): a model whose weights hold a NaN is stopped at the first non-finite activation, with
the hook point, position and token named; the CLI option turns the check on and off."""
import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from conftest import run_engine


@pytest.fixture(scope="module")
def nan_model(shared, tmp_path_factory):
    """stories260K with a NaN in layer 3's MLP down projection (written by the reference safetensors library)."""
    src = shared / "models/stories260K"
    out = tmp_path_factory.mktemp("nan-model")
    for f in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        if (src / f).exists():
            shutil.copy(src / f, out / f)
    tensors = load_file(str(src / "model.safetensors"))
    w = tensors["model.layers.3.mlp.down_proj.weight"].copy()
    w[10, 20] = np.nan
    tensors["model.layers.3.mlp.down_proj.weight"] = w
    save_file(tensors, str(out / "model.safetensors"))
    return out


def test_nan_weight_is_reported_with_layer_and_position(nan_model, tmp_path):
    p = run_engine("forward", "--model", nan_model, "--ids", "1,3,4,5,6,7", "--out", tmp_path / "o.safetensors",
                   "--check-finite", check=False)
    assert p.returncode != 0
    err = [l for l in p.stderr.splitlines() if l.startswith("error:")]
    assert err == ["error: non-finite value in blocks.3.hook_resid_post at position 0 (token 1): NaN (dimension 10)"], p.stderr
    assert not (tmp_path / "o.safetensors").exists()


def test_without_the_check_the_nan_goes_through(nan_model, tmp_path):
    p = run_engine("forward", "--model", nan_model, "--ids", "1,3,4", "--out", tmp_path / "o.safetensors",
                   "--no-check-finite", check=False)
    assert p.returncode == 0, p.stderr
    logits = load_file(str(tmp_path / "o.safetensors"))
    assert any(np.isnan(v).any() for v in logits.values())
