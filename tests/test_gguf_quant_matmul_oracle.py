"""Matmul on quantized GGUF blocks (Q8_0, Q4_0, Q4_1) against gguf-py 0.19.0 + numpy, and the default model's
logits with its Q4_1/Q8_0 blocks kept (`--dtype native`) against the dequantized f32 path.

Tolerances, and why:
- matmul vs gguf.quants.dequantize + numpy in float64: |y - ref| <= 1e-5 * sum_i |x_i w_i| + 1e-30 per output. The
  engine rebuilds each weight with gguf-py's own f32 formula (exact) and accumulates the products in f32 (16 lanes,
  a fixed pairwise sum), so the only difference from the float64 reference is f32 rounding of the accumulation:
  ~sqrt(n) * 6e-8 relative to sum |x w| for n <= 1536, well under 1e-5.
- native vs f32 (dequantized first): identical bits. Both paths multiply the same f32 weight values in the same
  order, so any difference is a bug, not rounding.
- the default model: logits and every layer's residual stream identical bits between `--dtype native` and
  `--dtype f32` (prefill: several tokens, the GEMM path), and greedy generations identical (decode: the GEMV
  path on blocks).
"""

import numpy as np
import pytest
from gguf import GGMLQuantizationType as T, GGUFReader, GGUFWriter, dequantize, quantize
from safetensors.numpy import load_file

from conftest import run_engine, run_engine_json

TYPES = [T.Q8_0, T.Q4_0, T.Q4_1]
# [out, in]: rows that are not a multiple of 4 (remainders of the 4-row kernel), d_model and FFN widths.
SHAPES = [(37, 576), (64, 576), (13, 1536)]


@pytest.fixture(scope="module")
def quantized(tmp_path_factory):
    rng = np.random.default_rng(7)
    path = tmp_path_factory.mktemp("qmm") / "q.gguf"
    w = GGUFWriter(str(path), "llama")
    for qtype in TYPES:
        for out, inp in SHAPES:
            m = rng.standard_normal((out, inp)).astype(np.float32) * 0.1
            m[0, :32] = 0.0  # an all-zero block
            w.add_tensor(f"{qtype.name}_{out}x{inp}", quantize(m, qtype), raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def engine_matmul(path, names, x, out, *extra):
    xin = out.with_suffix(".npy")
    np.save(xin, x)
    args = [a for n in names for a in ("--tensor", n)]
    run_engine("gguf", "matmul", "--file", path, *args, "--input", xin, "--out", out, *extra)
    return load_file(str(out))


@pytest.mark.parametrize("rows", [1, 6])
def test_matmul_on_blocks_matches_gguf_dequantize_and_numpy(quantized, tmp_path, rows):
    """One token (the in-register GEMV kernel) and six (f32 tiles on dequantized scratch rows)."""
    rng = np.random.default_rng(rows)
    by_width = {}
    for t in GGUFReader(quantized).tensors:
        by_width.setdefault(int(t.shape[0]), []).append(t)  # gguf-py's shape is ggml's: innermost first
    for width, tensors in by_width.items():
        x = rng.standard_normal((rows, width)).astype(np.float32)
        names = [t.name for t in tensors]
        native = engine_matmul(quantized, names, x, tmp_path / f"n{width}.safetensors")
        f32 = engine_matmul(quantized, names, x, tmp_path / f"f{width}.safetensors", "--dtype", "f32")
        scalar = engine_matmul(quantized, names, x, tmp_path / f"s{width}.safetensors", "--scalar")
        for t in tensors:
            wf = dequantize(t.data, t.tensor_type).astype(np.float64)
            ref = x.astype(np.float64) @ wf.T
            scale = np.abs(x).astype(np.float64) @ np.abs(wf).T
            got = native[t.name]
            assert got.shape == ref.shape
            err = np.abs(got - ref)
            assert np.all(err <= 1e-5 * scale + 1e-30), f"{t.name}: max error {err.max()} (scale {scale.max()})"
            assert np.array_equal(got.view(np.uint32), f32[t.name].view(np.uint32)), f"{t.name}: blocks and f32 paths differ"
            assert np.all(np.abs(scalar[t.name] - ref) <= 1e-5 * scale + 1e-30), f"{t.name}: scalar path off"


def test_matmul_rejects_what_it_cannot_multiply(quantized, tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((1, 32), np.float32))
    p = run_engine("gguf", "matmul", "--file", quantized, "--tensor", "Q8_0_37x576", "--input", x,
                   "--out", tmp_path / "y.safetensors", check=False)
    assert p.returncode != 0 and "error: input has shape [1, 32]; tensor 'Q8_0_37x576' needs [rows, 576]" in p.stderr
    p = run_engine("gguf", "matmul", "--file", quantized, "--tensor", "nope", "--input", x,
                   "--out", tmp_path / "y.safetensors", check=False)
    assert p.returncode != 0 and "no tensor named 'nope'" in p.stderr


def test_default_model_on_blocks_gives_the_f32_paths_logits_bit_for_bit(default_gguf, tmp_path):
    out = {}
    for dtype in ["native", "f32"]:
        path = tmp_path / f"{dtype}.safetensors"
        run_engine("forward", "--model", default_gguf, "--backend", "cpu", "--dtype", dtype,
                   "--prompt", "The capital of France is", "--out", path)
        out[dtype] = load_file(str(path))
    assert out["native"].keys() == out["f32"].keys() and "logits" in out["native"]
    for k in out["f32"]:
        assert np.array_equal(out["native"][k].view(np.uint32), out["f32"][k].view(np.uint32)), k


@pytest.mark.parametrize("prompt", ["The capital of France is", "def fibonacci(n):"])
def test_default_model_greedy_generation_on_blocks_equals_f32(default_gguf, prompt):
    texts = {}
    for dtype in ["native", "f32"]:
        r = run_engine_json("generate", "--model", default_gguf, "--backend", "cpu", "--dtype", dtype,
                            "--prompt", prompt, "--max-tokens", "24", "--json")
        texts[dtype] = r
    assert texts["native"]["generated_ids"] == texts["f32"]["generated_ids"]
    assert len(texts["native"]["generated_ids"]) > 0 and texts["native"]["text"] == texts["f32"]["text"]
