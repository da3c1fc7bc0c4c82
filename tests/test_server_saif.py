"""SAIF runs served by name: a run made by `engine saif find` + `saif explain` is summarised at
/v1/saif/runs/{name}, and steering with it equals steering with the vector rebuilt from the run's files."""
import json

import httpx
import numpy as np
import pytest
from safetensors.numpy import load_file

import serverutil
from conftest import run_engine

PROMPT = "Once upon a time, there was a boy named Tom."


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("saif")
    run = serverutil.make_saif_run(tmp)
    run_engine("saif", "explain", "--run", run, "--top", "5")
    return run


@pytest.fixture(scope="module")
def server(run_dir):
    with serverutil.serve("--saif-run", f"she={run_dir}") as s:
        yield s


def test_run_summary_lists_selected_latents_scores_and_top_tokens(server, run_dir):
    latents = json.loads((run_dir / "latents.json").read_text())
    explain = json.loads((run_dir / "explain.json").read_text())
    r = httpx.get(server.url + "/v1/saif/runs/she")
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["id"] == "she" and s["task"] == "concept-she" and s["model"] == "stories260K"
    assert s["hook"] == "blocks.2.hook_resid_post" and s["alpha"] == 3.0
    assert [l["latent"] for l in s["selected"]] == [l["latent"] for l in latents["selected"]]
    assert [l["sensitivity"] for l in s["selected"]] == pytest.approx([l["sensitivity"] for l in latents["selected"]])
    tops = {e["latent"]: [t["token"] for t in e["top_tokens"]] for e in explain["latents"]}
    for l in s["selected"]:
        assert [t["token"] for t in l["top_tokens"]] == tops[l["latent"]]
    assert httpx.get(server.url + "/v1/saif/runs").json()["data"][0]["id"] == "she"


def test_saif_steering_equals_the_vector_rebuilt_from_the_run(server, run_dir):
    cfg = json.loads((run_dir / "config.json").read_text())
    d = load_file(str(run_dir / "directions.safetensors"))
    k = min(cfg["params"]["k"], d["saif.coef"].shape[0])
    alpha = 6.0
    v = alpha * (d["saif.coef"][:k, None] * d["saif.decoder"][:k]).sum(0)
    base = {"prompt": PROMPT, "max_tokens": 20, "temperature": 0}
    by_run = httpx.post(server.url + "/v1/completions", json={**base, "steering": {"saif_run": {"name": "she", "alpha": alpha}}},
                        timeout=60).json()["choices"][0]["text"]
    by_vector = httpx.post(server.url + "/v1/completions", json={**base, "steering": {
        "hook": "blocks.2.hook_resid_post", "vector": v.astype(np.float32).tolist()}}, timeout=60).json()["choices"][0]["text"]
    plain = httpx.post(server.url + "/v1/completions", json=base, timeout=60).json()["choices"][0]["text"]
    assert by_run == by_vector
    assert by_run != plain
