"""SAE training on stories260K's layer-3 residual stream, checked by the engine's own metrics and independently
with HF transformers + SAELens (FVU, L0 and CE loss recovered recomputed in PyTorch)."""
import json

import numpy as np
import pytest
import torch

from conftest import run_engine, run_engine_json

HOOK = "blocks.3.hook_resid_post"


@pytest.fixture(scope="module")
def trained(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("sae") / "stories-l3"
    metrics = run_engine_json(
        "sae", "train", "--model", shared / "models/stories260K", "--hook", HOOK, "--d-sae", 512, "--k", 8,
        "--out", out, "--tokens", 300000, "--generate-tokens", 100000,
        "--corpus", shared / "data/text/tinystories_sample.txt", "--eval-tokens", 10000, "--seed", 42, "--json",
        timeout=900)
    return out, metrics


def test_training_reaches_targets(trained):
    out, m = trained
    assert m["fvu"] <= 0.25, m
    assert m["dead_fraction"] <= 0.10, m
    assert m["ce_loss_recovered"] >= 0.80, m
    assert m["l0"] <= 8.0 + 1e-9
    assert json.loads((out / "metrics.json").read_text())["fvu"] == pytest.approx(m["fvu"])
    assert (out / "checkpoint" / "checkpoint.json").exists()


def stories_texts(shared):
    """Single story lines long enough that the engine's corpus reader keeps each as one document."""
    text = (shared / "data/text/tinystories_sample.txt").read_text()
    return [line.strip() for line in text.splitlines() if len(line.strip()) > 200 and "<|" not in line]


def test_eval_matches_transformers_and_saelens(trained, shared, tmp_path):
    """Independent recomputation: HF LlamaForCausalLM, a forward hook on layers[3], the SAE loaded by SAELens."""
    from sae_lens import SAE
    from transformers import AutoTokenizer, LlamaForCausalLM

    out, _ = trained
    sae = SAE.load_from_disk(out)
    assert sae.cfg.architecture() == "topk" and sae.cfg.k == 8
    assert sae.cfg.metadata.hook_name == HOOK

    docs = stories_texts(shared)[:6]
    f = tmp_path / "eval.txt"
    f.write_text("\n\n".join(docs) + "\n")
    ours = run_engine_json("sae", "eval", "--model", shared / "models/stories260K", "--sae", out, "--hook", HOOK,
                           "--text", f, "--context", 512, "--json")
    for key in ("fvu", "l0", "dead_fraction", "ce_loss_recovered"):
        assert key in ours

    model_dir = shared / "models/stories260K"
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = LlamaForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
    mode = {"kind": "clean"}
    captured = []

    def hook(module, inputs, output):
        h = output[0] if isinstance(output, tuple) else output
        if mode["kind"] == "clean":
            captured.append(h[0, 1:].detach().clone())
            return output
        h = h.clone()
        if mode["kind"] == "recon":
            h[0, 1:] = sae.decode(sae.encode(h[0, 1:]))
        else:
            h[0, 1:] = 0
        return (h,) + tuple(output[1:]) if isinstance(output, tuple) else h

    handle = model.model.layers[3].register_forward_hook(hook)
    ce = {"clean": [], "recon": [], "zero": []}
    with torch.no_grad():
        for doc in docs:
            ids = [tok.bos_token_id] + tok(doc, add_special_tokens=False)["input_ids"]
            x = torch.tensor([ids])
            for kind in ce:
                mode["kind"] = kind
                logits = model(x).logits[0]
                lp = torch.log_softmax(logits.double(), -1)
                targets = x[0, 2:]
                ce[kind].append(-lp[1:-1].gather(1, targets[:, None])[:, 0])
    handle.remove()
    ce = {k: torch.cat(v).mean().item() for k, v in ce.items()}
    acts = torch.cat(captured)
    with torch.no_grad():
        feats = sae.encode(acts)
        recon = sae.decode(feats)
    fvu = ((acts - recon) ** 2).sum().item() / ((acts - acts.mean(0)) ** 2).sum().item()
    recovered = (ce["zero"] - ce["recon"]) / (ce["zero"] - ce["clean"])
    l0 = (feats > 0).sum(-1).double().mean().item()

    assert ours["ce_clean"] == pytest.approx(ce["clean"], abs=1e-3)
    assert ours["ce_zero_ablation"] == pytest.approx(ce["zero"], abs=1e-3)
    assert ours["ce_reconstructed"] == pytest.approx(ce["recon"], abs=2e-3)
    assert ours["ce_loss_recovered"] == pytest.approx(recovered, abs=2e-3)
    assert ours["fvu"] == pytest.approx(fvu, rel=1e-3)
    assert ours["l0"] == pytest.approx(l0, abs=1e-6)
    assert ours["eval_tokens"] == acts.shape[0]


def test_encode_text_through_model(trained, shared):
    out, _ = trained
    res = run_engine_json("sae", "encode", "--model", shared / "models/stories260K", "--sae", out,
                          "--text", "Once upon a time, there was a little dog.", "--top", 3, "--json")
    toks = res["tokens"]
    assert toks[0]["token"] == "<s>" and len(toks) > 5
    for t in toks:
        assert 1 <= len(t["indices"]) <= 3
        assert all(v > 0 for v in t["values"])


def test_checkpoint_resume(shared, tmp_path):
    common = ["sae", "train", "--model", shared / "models/stories260K", "--hook", "blocks.1.hook_resid_post",
              "--d-sae", 128, "--k", 4, "--out", tmp_path / "r", "--generate-tokens", 0, "--batch-size", 256,
              "--corpus", shared / "data/text/tinystories_sample.txt", "--eval-tokens", 100, "--context", 64]
    first = run_engine(*common, "--tokens", 5120)
    # progress from the start: the activation buffer fills (a forward pass over its windows) before step 1
    assert "filling the activation buffer" in first.stderr and "100% 5120/5120 tok" in first.stderr, first.stderr
    meta = json.loads((tmp_path / "r" / "checkpoint" / "checkpoint.json").read_text())
    assert meta["step"] == 20
    p = run_engine(*common, "--tokens", 10240, "--resume")
    assert "resuming from step 20" in p.stderr
    meta = json.loads((tmp_path / "r" / "checkpoint" / "checkpoint.json").read_text())
    assert meta["step"] == 40 and meta["tokens_seen"] == 10240


def test_bad_train_arguments(shared, tmp_path):
    p = run_engine("sae", "train", "--model", shared / "models/stories260K", "--hook", "blocks.9.hook_resid_post",
                   "--d-sae", 64, "--k", 4, "--out", tmp_path / "x", "--tokens", 2048, check=False)
    assert p.returncode != 0 and "error:" in p.stderr and "layers" in p.stderr
    p = run_engine("sae", "train", "--model", shared / "models/stories260K", "--hook", "blocks.1.hook_resid_post",
                   "--d-sae", 64, "--k", 65, "--out", tmp_path / "x", check=False)
    assert p.returncode != 0 and "--k must be in [1, d_sae=64]" in p.stderr
