"""safetensors interoperability with the reference implementation (the `safetensors` Python package):
files it writes (f32, bf16, f16, ints, sharded with an index) load in ours with identical tensors, and files we
write load in it with identical values. bf16/f16 conversion must round exactly as torch does."""
import json

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file as np_load
from safetensors.torch import load_file as torch_load
from safetensors.torch import save_file as torch_save

from conftest import run_engine, run_engine_json


def random_tensors(seed):
    g = torch.Generator().manual_seed(seed)
    t = {
        "model.embed_tokens.weight": torch.randn(17, 8, generator=g),
        "model.layers.0.mlp.up_proj.weight": torch.randn(12, 8, generator=g).to(torch.bfloat16),
        "model.layers.0.input_layernorm.weight": (torch.randn(8, generator=g) * 3).to(torch.float16),
        "lm_head.weight": torch.randn(17, 8, generator=g, dtype=torch.float64),
        "position_ids": torch.arange(9, dtype=torch.int64),
        "mask": torch.tensor([True, False, True]),
        "counts": torch.arange(-3, 3, dtype=torch.int32),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
    }
    # values that stress rounding: halfway cases, subnormals, huge, infinities
    t["edge"] = torch.tensor([1.0 + 2**-8, 1.0 + 3 * 2**-8, -(1.0 + 2**-8), 1e-40, -1e-42, 3.4e38, float("inf"),
                              -float("inf"), 0.0, -0.0, 65504.0, 65520.0, 6e-8, 2**-24 * 1.5])
    return t


def raw(t):
    """The tensor's bytes, so that -0.0 vs 0.0 and every rounding bit count."""
    return t.contiguous().reshape(-1).view(torch.uint8)


def assert_same(ours, ref):
    assert set(ours) == set(ref)
    for k in ref:
        a, b = ours[k], ref[k]
        assert a.dtype == b.dtype, k
        assert tuple(a.shape) == tuple(b.shape), k
        assert torch.equal(raw(a), raw(b)), f"bytes differ in {k}"


def test_file_written_by_reference_reads_back_identically(tmp_path):
    ref = random_tensors(0)
    src = tmp_path / "ref.safetensors"
    torch_save(ref, str(src), metadata={"format": "pt", "origin": "reference"})

    info = run_engine_json("safetensors", "info", src, "--json")
    assert info["metadata"] == {"format": "pt", "origin": "reference"}
    by_name = {t["name"]: t for t in info["tensors"]}
    names = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "F64": torch.float64,
             "I64": torch.int64, "BOOL": torch.bool, "I32": torch.int32}
    for k, v in ref.items():
        assert names[by_name[k]["dtype"]] == v.dtype, k
        assert by_name[k]["shape"] == list(v.shape), k
        assert by_name[k]["bytes"] == v.numel() * v.element_size(), k
    assert info["parameters"] == sum(v.numel() for v in ref.values())

    # Our reader -> our writer -> the reference reader: every byte survives.
    out = tmp_path / "ours.safetensors"
    run_engine("safetensors", "convert", src, out)
    assert_same(torch_load(str(out)), ref)
    with open(out, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    assert header["__metadata__"] == {"format": "pt", "origin": "reference"}
    assert (8 + n) % 8 == 0, "data section not 8-byte aligned"


@pytest.mark.parametrize("dtype,torch_dtype", [("bf16", torch.bfloat16), ("f16", torch.float16), ("f32", torch.float32)])
def test_conversion_rounds_like_torch(tmp_path, dtype, torch_dtype):
    ref = random_tensors(1)
    src = tmp_path / "ref.safetensors"
    torch_save(ref, str(src))
    out = tmp_path / f"{dtype}.safetensors"
    run_engine("safetensors", "convert", src, out, "--dtype", dtype)
    ours = torch_load(str(out))
    for k, v in ref.items():
        if v.is_floating_point():
            # torch converts f64 straight to the target; we go through f32 first, so compare against that path
            expected = v.to(torch.float32).to(torch_dtype) if v.dtype == torch.float64 else v.to(torch_dtype)
            assert ours[k].dtype == torch_dtype, k
            assert tuple(ours[k].shape) == tuple(expected.shape), k
            assert torch.equal(raw(ours[k]), raw(expected)), \
                f"{k}: ours {ours[k].flatten()[:8]} vs torch {expected.flatten()[:8]}"
        else:
            assert torch.equal(ours[k], v), k


def test_sharded_checkpoint_written_by_reference_reads_as_one(tmp_path):
    ref = random_tensors(2)
    names = sorted(ref)
    shards = {"model-00001-of-00002.safetensors": names[:4], "model-00002-of-00002.safetensors": names[4:]}
    weight_map = {}
    for shard, keys in shards.items():
        torch_save({k: ref[k] for k in keys}, str(tmp_path / shard), metadata={"format": "pt"})
        weight_map.update({k: shard for k in keys})
    total = sum(v.numel() * v.element_size() for v in ref.values())
    (tmp_path / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}))

    info = run_engine_json("safetensors", "info", tmp_path, "--json")
    assert {t["name"] for t in info["tensors"]} == set(ref)
    assert info["bytes"] == total

    out = tmp_path / "merged.safetensors"
    run_engine("safetensors", "convert", tmp_path, out)
    assert_same(torch_load(str(out)), ref)


def test_numpy_flavoured_file_reads_back(tmp_path):
    from safetensors.numpy import save_file
    rng = np.random.default_rng(3)
    ref = {"a": rng.standard_normal((3, 5)).astype(np.float32), "b": rng.integers(0, 255, (7,), dtype=np.uint8),
           "c": rng.standard_normal((2, 2, 2)).astype(np.float16), "d": rng.integers(-9, 9, (4,), dtype=np.int16),
           "e": rng.integers(-9, 9, (4,), dtype=np.int8)}
    src = tmp_path / "np.safetensors"
    save_file(ref, str(src))
    out = tmp_path / "ours.safetensors"
    run_engine("safetensors", "convert", src, out)
    got = np_load(str(out))
    for k, v in ref.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape and np.array_equal(got[k], v), k


@pytest.mark.parametrize("case", ["truncated", "bad_json", "unknown_dtype", "overlap"])
def test_bad_files_give_one_clear_error(tmp_path, case):
    src = tmp_path / "ok.safetensors"
    torch_save({"a": torch.ones(4), "b": torch.zeros(2)}, str(src))
    raw = bytearray(src.read_bytes())
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    if case == "truncated":
        raw = raw[:-4]
    elif case == "bad_json":
        raw[8:8 + n] = b"{" + b" " * (n - 1)
    else:
        if case == "unknown_dtype":
            header["a"]["dtype"] = "F7"
        else:
            header["b"]["data_offsets"] = [0, 8]
        h = json.dumps(header).encode()
        h += b" " * ((8 - len(h) % 8) % 8)
        raw = bytearray(len(h).to_bytes(8, "little")) + h + raw[8 + n:]
    bad = tmp_path / f"{case}.safetensors"
    bad.write_bytes(bytes(raw))
    p = run_engine("safetensors", "info", bad, check=False)
    assert p.returncode != 0
    # the JVM's own notice about the Vector API incubator module is not ours to count
    lines = [l for l in p.stderr.strip().splitlines() if not l.startswith("WARNING: Using incubator modules")]
    assert len(lines) == 1 and lines[0].startswith("error: invalid safetensors file "), p.stderr
    assert str(bad) in lines[0]
    assert {"truncated": "beyond the data section", "bad_json": "not valid JSON",
            "unknown_dtype": "unknown dtype 'F7'", "overlap": "overlap"}[case] in lines[0]
