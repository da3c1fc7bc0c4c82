"""Oracle tests for SAE loading, encoding and decoding against SAELens (sae-lens 6.54.12) and the published formulas.

SAEs with random, seeded weights are made and saved by SAELens itself (or written with numpy/safetensors in the
Gemma Scope, Llama Scope and sparsify layouts); the engine loads them, encodes the same activations, and must give
the same active latents, values and reconstructions within 1e-5 relative (to each token's largest value).
"""
import json
import math
import zipfile

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import sae_lens
from sae_lens import SAE
from sae_lens.loading import pretrained_sae_loaders as loaders

from conftest import run_engine, run_engine_json

D_IN, D_SAE, K = 64, 256, 16
RTOL = 1e-5


def randomize(sae, seed):
    """Random parameters at scales that give a realistic mix of active and inactive latents."""
    g = torch.Generator().manual_seed(seed)
    scales = {"W_enc": 1 / math.sqrt(D_IN), "W_dec": 1 / math.sqrt(D_IN), "b_enc": 0.3, "b_dec": 0.3,
              "b_gate": 0.3, "b_mag": 0.3, "r_mag": 0.2}
    with torch.no_grad():
        for name, p in sae.named_parameters():
            if name == "threshold":
                p.copy_(torch.rand(p.shape, generator=g) * 1.0)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * scales[name])
    return sae


def activations(seed=0, n=24, d=D_IN):
    g = np.random.default_rng(seed)
    return (g.standard_normal((n, d)) * 1.5 + 0.2).astype(np.float32)


def make_sae(arch, seed, **cfg):
    if arch == "standard":
        sae = sae_lens.StandardSAE(sae_lens.StandardSAEConfig(d_in=D_IN, d_sae=D_SAE, **cfg))
    elif arch == "jumprelu":
        sae = sae_lens.JumpReLUSAE(sae_lens.JumpReLUSAEConfig(d_in=D_IN, d_sae=D_SAE, **cfg))
    elif arch == "topk":
        sae = sae_lens.TopKSAE(sae_lens.TopKSAEConfig(d_in=D_IN, d_sae=D_SAE, k=K, **cfg))
    elif arch == "gated":
        sae = sae_lens.GatedSAE(sae_lens.GatedSAEConfig(d_in=D_IN, d_sae=D_SAE, **cfg))
    else:
        raise ValueError(arch)
    return randomize(sae, seed)


def engine_encode(sae_dir, x, tmp_path, *extra):
    f = tmp_path / "acts.npy"
    np.save(f, x)
    out = run_engine_json("sae", "encode", "--sae", sae_dir, "--activations", f, "--json", "--decode", *extra)
    return out


def assert_close(ours, ref, what):
    ours, ref = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} vs {ref.shape}"
    for t in range(ref.shape[0]):
        scale = max(np.abs(ref[t]).max(), 1e-6)
        err = np.abs(ours[t] - ref[t]).max()
        assert err <= RTOL * scale, f"{what}, token {t}: max error {err:.3g} > {RTOL} x {scale:.3g}"


def compare(out, ref_acts, ref_recon, what):
    """Engine JSON (sparse) against dense reference activations and reconstructions."""
    ref_acts = np.asarray(ref_acts)
    assert len(out["tokens"]) == ref_acts.shape[0]
    dense = np.zeros_like(ref_acts, dtype=np.float64)
    for t, tok in enumerate(out["tokens"]):
        ref_idx = set(np.nonzero(ref_acts[t])[0].tolist())
        vals = np.asarray(tok["values"])
        # A latent may be active on one side only if it sits at the ReLU boundary (value within rounding of 0).
        tol = RTOL * max(np.abs(ref_acts[t]).max(), 1e-6)
        ours = dict(zip(tok["indices"], vals))
        for j in set(tok["indices"]) ^ ref_idx:
            assert abs(ours.get(j, 0.0)) <= tol and abs(ref_acts[t, j]) <= tol, \
                f"{what}, token {t}: latent {j} active on one side only ({ours.get(j, 0.0)} vs {ref_acts[t, j]})"
        assert np.all(vals > 0)
        assert list(vals) == sorted(vals, reverse=True), "latents must come strongest first"
        dense[t, tok["indices"]] = vals
    assert_close(dense, ref_acts, what + " activations")
    assert_close([tok["reconstruction"] for tok in out["tokens"]], ref_recon, what + " reconstruction")


def saelens_ref(sae, x):
    with torch.no_grad():
        xt = torch.from_numpy(x)
        acts = sae.encode(xt)
        return acts.numpy(), sae.decode(acts).numpy()


CASES = [
    ("standard", {}),
    ("standard", {"apply_b_dec_to_input": False}),
    ("standard", {"normalize_activations": "constant_norm_rescale"}),
    ("standard", {"normalize_activations": "layer_norm"}),
    ("jumprelu", {}),
    ("topk", {}),
    ("topk", {"rescale_acts_by_decoder_norm": True}),
    ("gated", {}),
]


@pytest.mark.parametrize("arch,cfg", CASES, ids=[f"{a}-{'-'.join(f'{k}={v}' for k, v in c.items()) or 'default'}" for a, c in CASES])
def test_saelens_saved_sae_matches(arch, cfg, tmp_path):
    sae = make_sae(arch, seed=len(arch) + len(cfg), **cfg)
    d = tmp_path / "sae"
    sae.save_model(d)
    x = activations(1)
    ref_acts, ref_recon = saelens_ref(sae, x)
    out = engine_encode(d, x, tmp_path)
    assert out["format"] == "saelens" and out["architecture"] == arch
    compare(out, ref_acts, ref_recon, f"{arch} {cfg}")

    # --top N keeps the N strongest of the same latents.
    top = engine_encode(d, x, tmp_path, "--top", "3")
    for t, tok in enumerate(top["tokens"]):
        full = out["tokens"][t]
        assert tok["indices"] == full["indices"][:3]


@pytest.mark.parametrize("arch,cfg", [c for c in CASES if c[0] != "topk"] + [("topk", {"rescale_acts_by_decoder_norm": True})])
def test_our_saved_sae_loads_in_saelens(arch, cfg, tmp_path):
    sae = make_sae(arch, seed=7, **cfg)
    src, ours = tmp_path / "src", tmp_path / "ours"
    sae.save_model(src)
    run_engine("sae", "convert", "--sae", src, "--out", ours, "--hook", "blocks.3.hook_resid_post")
    back = SAE.load_from_disk(ours)
    assert type(back) is type(sae)
    assert back.cfg.metadata.hook_name == "blocks.3.hook_resid_post"
    x = activations(2)
    a1, r1 = saelens_ref(sae, x)
    a2, r2 = saelens_ref(back, x)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(r1, r2)


@pytest.mark.parametrize("arch,cfg", [("standard", {}), ("jumprelu", {}), ("gated", {}),
                                      ("topk", {"rescale_acts_by_decoder_norm": True})])
def test_fold_w_dec_norm_matches_saelens(arch, cfg, tmp_path):
    sae = make_sae(arch, seed=11, **cfg)
    src, ours = tmp_path / "src", tmp_path / "ours"
    sae.save_model(src)
    run_engine("sae", "convert", "--sae", src, "--out", ours, "--fold-dec-norm")
    sae.fold_W_dec_norm()
    back = SAE.load_from_disk(ours)
    for name, p in sae.state_dict().items():
        np.testing.assert_allclose(back.state_dict()[name].numpy(), p.numpy(), rtol=1e-5, atol=1e-7, err_msg=name)
    x = activations(3)
    ref_acts, ref_recon = saelens_ref(sae, x)
    compare(engine_encode(src, x, tmp_path, "--fold-dec-norm"), ref_acts, ref_recon, f"folded {arch}")


def test_topk_fold_without_rescale_is_refused(tmp_path):
    sae = make_sae("topk", seed=3)
    sae.save_model(tmp_path / "s")
    p = run_engine("sae", "convert", "--sae", tmp_path / "s", "--out", tmp_path / "o", "--fold-dec-norm", check=False)
    assert p.returncode != 0 and "rescale_acts_by_decoder_norm" in p.stderr


def test_batchtopk_saved_as_jumprelu(tmp_path):
    cfg = sae_lens.BatchTopKTrainingSAEConfig(d_in=D_IN, d_sae=D_SAE, k=K)
    sae = randomize(sae_lens.BatchTopKTrainingSAE(cfg), seed=5)
    sae.topk_threshold = torch.tensor(0.4, dtype=torch.double)
    d = tmp_path / "btk"
    sae.save_inference_model(d)
    assert json.loads((d / "cfg.json").read_text())["architecture"] == "jumprelu"
    inf = SAE.load_from_disk(d)
    x = activations(4)
    ref_acts, ref_recon = saelens_ref(inf, x)
    out = engine_encode(d, x, tmp_path)
    assert out["architecture"] == "jumprelu"
    compare(out, ref_acts, ref_recon, "batchtopk")


def test_pre_6_flat_config(tmp_path):
    """A flat pre-6.0 cfg.json (hook_point, activation_fn_str=topk, activation_fn_kwargs.k, boolean normalisation)."""
    sae = make_sae("topk", seed=9)
    d = tmp_path / "old"
    sae.save_model(d)
    (d / "cfg.json").write_text(json.dumps({
        "d_in": D_IN, "d_sae": D_SAE, "dtype": "float32", "device": "cpu", "model_name": "gpt2",
        "hook_point": "blocks.8.hook_resid_pre", "hook_point_layer": 8, "activation_fn_str": "topk",
        "activation_fn_kwargs": {"k": K}, "apply_b_dec_to_input": True, "normalize_activations": False,
        "finetuning_scaling_factor": False, "sae_lens_training_version": "3.13.0"}))
    ref = SAE.load_from_disk(d)
    assert ref.cfg.architecture() == "topk" and ref.cfg.k == K
    x = activations(5)
    ref_acts, ref_recon = saelens_ref(ref, x)
    compare(engine_encode(d, x, tmp_path), ref_acts, ref_recon, "pre-6 topk")
    info = run_engine_json("sae", "inspect", "--sae", d, "--json")
    assert info["hook_name"] == "blocks.8.hook_resid_pre"
    assert info["architecture"] == "topk" and info["k"] == K


# ------------------------------------------------------------------------------------------------- Gemma Scope

def gemma_arrays(d_in, d_sae, seed):
    g = np.random.default_rng(seed)
    return {
        "W_enc": (g.standard_normal((d_in, d_sae)) / math.sqrt(d_in)).astype(np.float32),
        "W_dec": (g.standard_normal((d_sae, d_in)) / math.sqrt(d_in)).astype(np.float32),
        "b_enc": (g.standard_normal(d_sae) * 0.1).astype(np.float32),
        "b_dec": (g.standard_normal(d_in) * 0.1).astype(np.float32),
        "threshold": (g.random(d_sae) * 0.8).astype(np.float32),
    }


def saelens_gemma2(monkeypatch, npz, repo_id, folder, overrides=None):
    monkeypatch.setattr(loaders, "hf_hub_download", lambda **kw: str(npz))
    cfg, sd, _ = loaders.gemma_2_sae_huggingface_loader(repo_id, folder, device="cpu", cfg_overrides=overrides)
    cfg = loaders.handle_config_defaulting(cfg)
    sae = SAE.from_dict(cfg)
    sae.load_state_dict(sd)
    return sae


def test_gemma_scope_npz_real_shapes(monkeypatch, tmp_path):
    """Gemma-2-2B residual SAE shapes (d_in 2304), 4k wide, written by np.savez as Google ships it."""
    folder = "layer_12/width_4k/average_l0_50"
    d = tmp_path / folder
    d.mkdir(parents=True)
    np.savez(d / "params.npz", **gemma_arrays(2304, 4096, 0))
    ref = saelens_gemma2(monkeypatch, d / "params.npz", "google/gemma-scope-2b-pt-res", folder)
    assert ref.cfg.architecture() == "jumprelu" and not ref.cfg.apply_b_dec_to_input
    x = activations(6, n=8, d=2304) * 3
    ref_acts, ref_recon = saelens_ref(ref, x)
    out = engine_encode(d, x, tmp_path)
    assert out["format"] == "gemma-scope"
    compare(out, ref_acts, ref_recon, "gemma scope")
    info = run_engine_json("sae", "inspect", "--sae", d, "--json")
    assert info["hook_name"] == "blocks.12.hook_resid_post" and info["d_sae"] == 4096


def write_npz_zip64(path, arrays, compression):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for k, v in arrays.items():
            with zf.open(k + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, v)


@pytest.mark.parametrize("kind", ["savez_compressed", "zip64_stored", "zip64_deflated", "npy_v2_f16"])
def test_gemma_scope_npz_variants(kind, monkeypatch, tmp_path):
    """Deflated members, zip64 records (forced by Python's zipfile) and other dtypes/versions read the same."""
    folder = "layer_3/width_16k/average_l0_20"
    d = tmp_path / folder
    d.mkdir(parents=True)
    arrays = gemma_arrays(D_IN, D_SAE, 1)
    npz = d / "params.npz"
    if kind == "savez_compressed":
        np.savez_compressed(npz, **arrays)
    elif kind == "zip64_stored":
        write_npz_zip64(npz, arrays, zipfile.ZIP_STORED)
    elif kind == "zip64_deflated":
        write_npz_zip64(npz, arrays, zipfile.ZIP_DEFLATED)
    else:
        arrays = {k: v.astype(np.float16) for k, v in arrays.items()}
        with zipfile.ZipFile(npz, "w") as zf:
            for k, v in arrays.items():
                with zf.open(k + ".npy", "w") as f:
                    np.lib.format.write_array(f, v, version=(2, 0))
    if kind.startswith("zip64"):
        raw = npz.read_bytes()
        with zipfile.ZipFile(npz) as zf:
            for info in zf.infolist():
                o = info.header_offset
                assert raw[o:o + 4] == b"PK\x03\x04"
                name_len, extra_len = int.from_bytes(raw[o + 26:o + 28], "little"), int.from_bytes(raw[o + 28:o + 30], "little")
                extra = raw[o + 30 + name_len:o + 30 + name_len + extra_len]
                assert extra[:2] == b"\x01\x00", f"{info.filename}: local header lacks the zip64 extra field"
    ref = saelens_gemma2(monkeypatch, npz, "google/gemma-scope-2b-pt-res", folder, {"d_in": D_IN, "d_sae": D_SAE})
    x = activations(7)
    ref_acts, ref_recon = saelens_ref(ref, x)
    compare(engine_encode(npz, x, tmp_path), ref_acts, ref_recon, f"gemma scope {kind}")


def test_gemma_scope_2_safetensors(tmp_path):
    """Gemma Scope 2 params.safetensors (lowercase keys) encodes as the JumpReLU formula with raw inputs."""
    a = gemma_arrays(D_IN, D_SAE, 2)
    d = tmp_path / "resid_post" / "layer_5_width_16k_l0_medium"
    d.mkdir(parents=True)
    save_file({k.lower(): torch.from_numpy(v) for k, v in a.items()}, d / "params.safetensors")
    x = activations(8)
    pre = x @ a["W_enc"] + a["b_enc"]
    acts = np.where(pre > a["threshold"], np.maximum(pre, 0), 0).astype(np.float32)
    recon = acts @ a["W_dec"] + a["b_dec"]
    compare(engine_encode(d, x, tmp_path), acts, recon, "gemma scope 2")


# ------------------------------------------------------------------------------------------------- Llama Scope

def test_llama_scope(monkeypatch, tmp_path):
    folder = "Llama3_1-8B-Base-L5R-8x"
    d = tmp_path / folder
    (d / "checkpoints").mkdir(parents=True)
    g = torch.Generator().manual_seed(3)
    avg_in = 9.5
    (d / "hyperparams.json").write_text(json.dumps({
        "d_model": D_IN, "d_sae": D_SAE, "hook_point_in": "blocks.5.hook_resid_post",
        "hook_point_out": "blocks.5.hook_resid_post", "act_fn": "jumprelu", "jump_relu_threshold": 0.3,
        # SAELens's loader ignores this flag (OpenMOSS's default is true); with it off both formulas agree.
        "sparsity_include_decoder_norm": False,
        "dataset_average_activation_norm": {"in": avg_in, "out": avg_in}}))
    save_file({
        "encoder.weight": (torch.randn(D_SAE, D_IN, generator=g) / 8).to(torch.bfloat16),
        "encoder.bias": (torch.randn(D_SAE, generator=g) * 0.1).to(torch.bfloat16),
        "decoder.weight": (torch.randn(D_IN, D_SAE, generator=g) / 8).to(torch.bfloat16),
        "decoder.bias": (torch.randn(D_IN, generator=g) * 0.1).to(torch.bfloat16),
    }, d / "checkpoints" / "final.safetensors")

    def fake_download(repo_id=None, filename=None, subfolder=None, force_download=False):
        rel = f"{subfolder}/{filename}" if subfolder else filename
        return str(tmp_path / rel)

    monkeypatch.setattr(loaders, "hf_hub_download", fake_download)
    cfg, sd, _ = loaders.llama_scope_sae_huggingface_loader("fnlp/Llama3_1-8B-Base-LXR-8x", folder, device="cpu",
                                                            cfg_overrides={"dtype": "float32"})
    cfg = loaders.handle_config_defaulting(cfg)
    ref = SAE.from_dict(cfg)
    ref.load_state_dict(sd)
    # SAE.from_pretrained folds the release's norm_scaling_factor, sqrt(d_model) / average input norm.
    ref.fold_activation_norm_scaling_factor(math.sqrt(D_IN) / avg_in)
    x = activations(9) * 2
    ref_acts, ref_recon = saelens_ref(ref, x)
    assert (ref_acts > 0).sum() > 0
    out = engine_encode(d, x, tmp_path)
    assert out["format"] == "llama-scope"
    compare(out, ref_acts, ref_recon, "llama scope")


def openmoss_llama_scope(hp, w, x):
    """OpenMOSS lm-saes' inference path, reimplemented in numpy (float64) from OpenMOSS/Language-Model-SAEs
    src/lm_saes/sae.py at commit 00366e29c88a1ac95f8df610212db8aee1d554cf: standardize_parameters_of_dataset_norm
    (b_E / s_in, b_D / s_out, W_D * s_in / s_out, s = sqrt(d_model) / dataset_average_activation_norm), then encode
    (subtract b_D if apply_decoder_bias_to_pre_encoder; h = x W_E^T + b_E; gate h * ||W_D[:, j]|| > threshold when
    sparsity_include_decoder_norm; acts = h * gate) and decode (acts W_D^T + b_D). Returns (acts, recon, s_in)."""
    d = hp["d_model"]
    s_in = math.sqrt(d) / hp["dataset_average_activation_norm"]["in"]
    s_out = math.sqrt(d) / hp["dataset_average_activation_norm"]["out"]
    W_E, b_E = w["encoder.weight"], w["encoder.bias"] / s_in
    W_D, b_D = w["decoder.weight"] * s_in / s_out, w["decoder.bias"] / s_out
    x = x.astype(np.float64)
    if hp["apply_decoder_bias_to_pre_encoder"]:
        x = x - b_D
    h = x @ W_E.T + b_E
    scores = h * np.linalg.norm(W_D, axis=0) if hp["sparsity_include_decoder_norm"] else h
    acts = h * (scores > hp["jump_relu_threshold"])
    return acts, acts @ W_D.T + b_D, s_in


@pytest.mark.parametrize("decoder_norm_gate,apply_b_dec,avg_out", [(True, False, 9.5), (True, True, 9.5),
                                                                    (False, True, 9.5), (True, False, 4.0)])
def test_llama_scope_matches_openmoss(decoder_norm_gate, apply_b_dec, avg_out, tmp_path):
    """Our Llama Scope loader against OpenMOSS's own formula (not SAELens's loader): decoder columns of varied norm so
    sparsity_include_decoder_norm matters, with and without the decoder-bias subtraction, equal and unequal in/out
    dataset norms. Our values are s_in x OpenMOSS's (SAELens's convention); reconstructions are equal."""
    d = tmp_path / "Llama3_1-8B-Base-L7R-8x"
    (d / "checkpoints").mkdir(parents=True)
    g = torch.Generator().manual_seed(11)
    hp = {"d_model": D_IN, "d_sae": D_SAE, "hook_point_in": "blocks.7.hook_resid_post",
          "hook_point_out": "blocks.7.hook_resid_post", "act_fn": "jumprelu", "jump_relu_threshold": 0.25,
          "norm_activation": "dataset-wise", "dataset_average_activation_norm": {"in": 9.5, "out": avg_out},
          "sparsity_include_decoder_norm": decoder_norm_gate, "use_decoder_bias": True,
          "apply_decoder_bias_to_pre_encoder": apply_b_dec, "top_k": 50}
    (d / "hyperparams.json").write_text(json.dumps(hp))
    col_scale = torch.rand(D_SAE, generator=g) * 1.5 + 0.25   # decoder column norms ~0.25..1.75
    tensors = {
        "encoder.weight": torch.randn(D_SAE, D_IN, generator=g) / 8,
        "encoder.bias": torch.randn(D_SAE, generator=g) * 0.1,
        "decoder.weight": torch.randn(D_IN, D_SAE, generator=g) / math.sqrt(D_IN) * col_scale,
        "decoder.bias": torch.randn(D_IN, generator=g) * 0.1,
    }
    tensors = {k: v.to(torch.bfloat16) for k, v in tensors.items()}  # released checkpoints are bf16
    save_file(tensors, d / "checkpoints" / "final.safetensors")
    w = {k: v.float().numpy().astype(np.float64) for k, v in tensors.items()}
    x = activations(13) * 2
    acts, recon, s_in = openmoss_llama_scope(hp, w, x)
    assert 0 < (acts > 0).sum() < acts.size / 2
    if decoder_norm_gate:  # the gate must matter for this SAE, or the test would not tell the formulas apart
        plain = (x @ w["encoder.weight"].T + w["encoder.bias"] / s_in) > hp["jump_relu_threshold"]
        assert (plain != (acts != 0)).any()
    out = engine_encode(d, x, tmp_path)
    assert out["format"] == "llama-scope"
    compare(out, acts * s_in, recon, "llama scope vs OpenMOSS")


# ------------------------------------------------------------------------------------------------- sparsify

@pytest.mark.parametrize("w_dec_layout", ["sparsify", "transposed"])
def test_sparsify(w_dec_layout, tmp_path):
    """sparsify's SparseCoder.encode/decode: relu((x - b_dec) W^T + b), top k, gather of W_dec rows + b_dec.

    (SAELens's sparsify_disk_loader transposes W_dec and sets apply_b_dec_to_input = not normalize_decoder, which
    contradicts sparsify's own encode; the formula from sparsify/sparse_coder.py is the reference here.)"""
    d = tmp_path / "layers.6"
    d.mkdir()
    g = torch.Generator().manual_seed(4)
    enc = torch.randn(D_SAE, D_IN, generator=g) / 8
    w_dec = torch.randn(D_SAE, D_IN, generator=g) / 8
    b_enc = torch.randn(D_SAE, generator=g) * 0.1
    b_dec = torch.randn(D_IN, generator=g) * 0.1
    stored_dec = w_dec if w_dec_layout == "sparsify" else w_dec.T.contiguous()
    save_file({"encoder.weight": enc, "encoder.bias": b_enc, "W_dec": stored_dec, "b_dec": b_dec}, d / "sae.safetensors")
    (d / "cfg.json").write_text(json.dumps({
        "activation": "topk", "expansion_factor": 4, "normalize_decoder": True, "num_latents": D_SAE, "k": K,
        "multi_topk": False, "skip_connection": False, "transcode": False, "d_in": D_IN}))
    x = activations(10)
    xt = torch.from_numpy(x)
    pre = torch.relu((xt - b_dec) @ enc.T + b_enc)
    vals, idx = pre.topk(K, sorted=False)
    acts = torch.zeros_like(pre).scatter(-1, idx, vals).numpy()
    recon = (torch.from_numpy(acts) @ w_dec + b_dec).numpy()
    out = engine_encode(d, x, tmp_path)
    assert out["format"] == "sparsify" and out["architecture"] == "topk"
    compare(out, acts, recon, "sparsify")
    assert run_engine_json("sae", "inspect", "--sae", d, "--json")["hook_name"] == "blocks.6.hook_resid_post"


# ------------------------------------------------------------------------------------------------- bad input

def test_unknown_architecture_is_a_clear_error(tmp_path):
    sae = make_sae("standard", seed=1)
    d = tmp_path / "bad"
    sae.save_model(d)
    cfg = json.loads((d / "cfg.json").read_text())
    cfg["architecture"] = "mystery"
    (d / "cfg.json").write_text(json.dumps(cfg))
    p = run_engine("sae", "inspect", "--sae", d, check=False)
    assert p.returncode != 0
    assert "error:" in p.stderr and "unknown SAE architecture 'mystery'" in p.stderr
