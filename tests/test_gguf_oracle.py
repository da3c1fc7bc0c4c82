"""Dequantization oracle: our GGUF reader vs the gguf package (gguf-py 0.19.0, llama.cpp's own Python reader).

Every tensor of the default model (SmolLM2-135M-Instruct Q4_1) and random tensors of every other supported ggml
type, written with gguf.GGUFWriter, must dequantize to exactly the same f32 bits; bf16 output must equal gguf's
own round-to-nearest-even bf16 of those values.
"""

import numpy as np
import pytest
from gguf import GGMLQuantizationType as T, GGUFReader, GGUFWriter, dequantize, quantize
from gguf.constants import GGML_QUANT_SIZES
from safetensors.numpy import load_file

from conftest import run_engine


def bits_equal(a, b):
    return a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


def test_every_tensor_of_the_default_model_dequantizes_exactly(default_gguf, tmp_path):
    out = tmp_path / "dump.safetensors"
    run_engine("gguf", "dump", "--file", default_gguf, "--out", out)
    ours = load_file(str(out))
    reader = GGUFReader(default_gguf)
    assert len(ours) == len(reader.tensors) == 272
    types = set()
    for t in reader.tensors:
        ref = dequantize(t.data, t.tensor_type)
        assert bits_equal(ours[t.name], ref), f"{t.name} ({t.tensor_type.name}) differs from gguf.quants.dequantize"
        types.add(t.tensor_type.name)
    assert types == {"F32", "Q4_1", "Q8_0"}


# Byte offsets of the f16 scale fields inside one block; random bytes there could be NaN/inf, so they get finite
# random halves instead. Everything else in a block is random bits.
HALF_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}
QUANTIZABLE = [T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.BF16]


def random_blocks(rng, qtype, n_blocks):
    _, type_size = GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for off in HALF_FIELDS[qtype]:
        halves = (rng.standard_normal(n_blocks) * 0.05).astype(np.float16)
        raw[:, off:off + 2] = halves.view(np.uint8).reshape(n_blocks, 2)
    return raw


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A GGUF with, for every supported type, random-bit blocks and (where gguf can quantize) quantized data."""
    rng = np.random.default_rng(1234)
    path = tmp_path_factory.mktemp("gguf") / "types.gguf"
    w = GGUFWriter(str(path), "llama")
    w.add_custom_alignment(64)
    expected = {}

    def add(name, data, raw_dtype=None):
        w.add_tensor(name, data, raw_dtype=raw_dtype)
        expected[name] = (data, raw_dtype)

    add("f32", rng.standard_normal((3, 64)).astype(np.float32))
    add("f16", (rng.standard_normal((2, 3, 32)) * 10).astype(np.float16))
    add("f32_4d", rng.standard_normal((2, 2, 3, 8)).astype(np.float32))
    for qtype in HALF_FIELDS:
        block, _ = GGML_QUANT_SIZES[qtype]
        rows, cols = 3, 2 * block if block == 256 else 4 * block
        raw = random_blocks(rng, qtype, rows * cols // block).reshape(rows, -1)
        add(f"{qtype.name}_random", raw, qtype)
    for qtype in QUANTIZABLE:
        x = rng.standard_normal((4, 96)).astype(np.float32)
        x[0, :32] = 0.0  # an all-zero block
        add(f"{qtype.name}_quantized", quantize(x, qtype), qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def reference(path):
    return {t.name: dequantize(t.data, t.tensor_type) for t in GGUFReader(path).tensors}


def test_every_supported_type_dequantizes_exactly(synthetic, tmp_path):
    out = tmp_path / "dump.safetensors"
    run_engine("gguf", "dump", "--file", synthetic, "--out", out)
    ours = load_file(str(out))
    ref = reference(synthetic)
    assert set(ours) == set(ref)
    kinds = {t.tensor_type.name for t in GGUFReader(synthetic).tensors}
    assert kinds >= {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"}
    for name, r in ref.items():
        assert np.isfinite(r).all(), name
        assert bits_equal(ours[name], r.astype(np.float32, copy=False)), f"{name} differs from gguf.quants.dequantize"


def test_bf16_output_is_rounded_to_nearest_even(synthetic, tmp_path):
    out = tmp_path / "dump_bf16.safetensors"
    names = ["Q6_K_random", "Q4_1_quantized", "f16"]
    run_engine("gguf", "dump", "--file", synthetic, "--dtype", "bf16", "--out", out,
               *[a for n in names for a in ("--tensor", n)])
    import json, struct
    raw = out.read_bytes()
    header_len = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + header_len])
    ref = reference(synthetic)
    for n in names:
        assert header[n]["dtype"] == "BF16"
        begin, end = header[n]["data_offsets"]
        ours = np.frombuffer(raw[8 + header_len + begin:8 + header_len + end], dtype=np.uint16)
        want = quantize(ref[n].astype(np.float32), T.BF16).view(np.uint16).reshape(-1)
        assert np.array_equal(ours, want), n


def test_metadata_of_every_value_type_reads_like_gguf(tmp_path):
    """Scalars of all 12 value types, arrays and nested arrays, written by GGUFWriter, read back by `gguf info`."""
    import json
    path = tmp_path / "meta.gguf"
    w = GGUFWriter(str(path), "llama")
    w.add_uint8("u8", 200); w.add_int8("i8", -3); w.add_uint16("u16", 60000); w.add_int16("i16", -300)
    w.add_uint32("u32", 4000000000); w.add_int32("i32", -5); w.add_float32("f32", 0.1); w.add_bool("b", True)
    w.add_bool("b0", False); w.add_string("s", "h\u00e9llo \U0001f999"); w.add_uint64("u64", 2**63 + 5)
    w.add_int64("i64", -2**40); w.add_float64("f64", 0.1)
    w.add_array("ints", [1, -2, 3]); w.add_array("floats", [0.5, 0.25]); w.add_array("strs", ["a", "", "\u4e2d"])
    w.add_array("nested", [[1, 2], [3]]); w.add_array("nested_str", [["x", "y"], ["z"]])
    w.add_tensor("t", np.arange(8, dtype=np.float32))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    ours = json.loads(run_engine("gguf", "info", "--file", path, "--full").stdout)["metadata"]
    ref = GGUFReader(path)
    names = [k for k in ref.fields if not k.startswith("GGUF.")]
    assert list(ours) == names
    written = {"nested": [[1, 2], [3]], "nested_str": [["x", "y"], ["z"]]}
    for k in names:
        want = ref.fields[k].contents()
        if k == "f32":
            want = float(np.float32(0.1))
        if k in written:  # GGUFReader.contents() flattens nested arrays; check the nesting against what was written
            assert ours[k] == written[k], k
            assert [x for sub in ours[k] for x in sub] == want, k
        else:
            assert ours[k] == want, k
