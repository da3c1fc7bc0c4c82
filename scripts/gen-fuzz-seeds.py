"""Regenerates the checked-in safetensors fuzz seeds with the reference `safetensors` writer.
Run: .venv/bin/python scripts/gen-fuzz-seeds.py"""
import json
import pathlib
import struct

import numpy as np
from safetensors.numpy import save

d = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/org/saifengine/io/SafetensorsFuzzTestInputs/header"
d.mkdir(parents=True, exist_ok=True)
r = np.random.default_rng(1)
seeds = {
    "f32_2x3": {"w": r.standard_normal((2, 3)).astype(np.float32)},
    "f16_and_i64": {"a": r.standard_normal((4,)).astype(np.float16), "ids": np.arange(3, dtype=np.int64)},
    "mixed_ints": {"b": np.array([True, False]), "u": np.arange(5, dtype=np.uint8), "i": np.arange(2, dtype=np.int32),
                   "s": np.arange(3, dtype=np.int16), "c": np.arange(2, dtype=np.int8)},
    "scalar_and_empty": {"s": np.array(1.5, dtype=np.float64), "e": np.zeros((0, 3), dtype=np.float32)},
    "llama_names": {f"model.layers.0.self_attn.{p}_proj.weight": r.standard_normal((2, 2)).astype(np.float32) for p in "qkvo"},
}
for name, t in seeds.items():
    (d / name).write_bytes(save(t, metadata={"format": "pt"} if name == "f32_2x3" else None))
# numpy has no bfloat16: this one is laid out by hand with the reference writer's rules (8-byte padded header)
hdr = json.dumps({"x": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]}}, separators=(",", ":")).encode()
hdr += b" " * ((8 - len(hdr) % 8) % 8)
(d / "bf16_2x2").write_bytes(struct.pack("<Q", len(hdr)) + hdr + bytes([0x80, 0x3F, 0, 0x40, 0x40, 0x40, 0x80, 0xBF]))
(d / "empty_header").write_bytes(struct.pack("<Q", 2) + b"{}")

# config.json seeds for ModelConfigFuzzTest, written by transformers' own config classes (tiny shapes).
from transformers import Gemma2Config, LlamaConfig, Qwen2Config  # noqa: E402

c = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/org/saifengine/model/ModelConfigFuzzTestInputs/config"
c.mkdir(parents=True, exist_ok=True)
small = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             vocab_size=64, max_position_embeddings=128)
configs = {
    "llama": LlamaConfig(**small),
    "llama3_rope": LlamaConfig(**small, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
    "qwen2": Qwen2Config(**small, use_sliding_window=True, sliding_window=8, max_window_layers=1),
    "gemma2": Gemma2Config(**small, head_dim=8, sliding_window=8, query_pre_attn_scalar=8),
}
for name, cfg in configs.items():
    d = cfg.to_dict()
    d["architectures"] = [type(cfg).__name__.replace("Config", "ForCausalLM")]
    (c / f"{name}.json").write_text(json.dumps(d, indent=1, sort_keys=True))

# GGUF seeds for GgufFuzzTest, written by gguf-py's GGUFWriter: every metadata value type, several tensor types.
import gguf  # noqa: E402

g = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/org/saifengine/io/gguf/GgufFileFuzzTestInputs/file"
g.mkdir(parents=True, exist_ok=True)


def write_gguf(name, tensors, kv=True):
    path = g / name
    w = gguf.GGUFWriter(str(path), "llama")
    if kv:
        w.add_uint32("llama.block_count", 1)
        w.add_float32("llama.rope.freq_base", 10000.0)
        w.add_bool("tokenizer.ggml.add_bos_token", True)
        w.add_string("general.name", "fuzz seed ✓")
        w.add_array("tokenizer.ggml.tokens", ["<s>", "</s>", "▁a", "b"])
        w.add_array("tokenizer.ggml.scores", [0.0, 0.0, -1.5, -2.0])
        w.add_int64("fuzz.i64", -5)
        w.add_uint8("fuzz.u8", 7)
        w.add_float64("fuzz.f64", 0.25)
    for tname, arr, qtype in tensors:
        if qtype is None:
            w.add_tensor(tname, arr)
        else:
            w.add_tensor(tname, gguf.quantize(arr, qtype), raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


x = r.standard_normal((2, 32)).astype(np.float32)
write_gguf("f32_f16", [("token_embd.weight", x, None), ("output_norm.weight", x[0].astype(np.float16), None)])
write_gguf("q8_0_q4_0", [("blk.0.attn_q.weight", x, gguf.GGMLQuantizationType.Q8_0),
                         ("blk.0.attn_k.weight", x, gguf.GGMLQuantizationType.Q4_0)])
write_gguf("q4_1_no_kv", [("w", x, gguf.GGMLQuantizationType.Q4_1)], kv=False)
write_gguf("metadata_only", [])

# .npy seeds for NpyFuzzTest, written by numpy itself.
import io  # noqa: E402

npy = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/org/saifengine/io/npy/NpyFuzzTestInputs/npy"
npy.mkdir(parents=True, exist_ok=True)
arrays = {
    "f32_2x3": r.standard_normal((2, 3)).astype(np.float32),
    "f16": r.standard_normal((5,)).astype(np.float16),
    "f64_be": r.standard_normal((2, 2)).astype(">f8"),
    "i64": np.arange(-3, 3, dtype=np.int64),
    "u8": np.arange(4, dtype=np.uint8),
    "bool": np.array([True, False, True]),
    "scalar": np.array(3.0, dtype=np.float32),
    "empty": np.zeros((0, 7), dtype=np.float32),
    "fortran": np.asfortranarray(r.standard_normal((2, 3)).astype(np.float32)),
}
for name, a in arrays.items():
    b = io.BytesIO()
    np.save(b, a)
    (npy / name).write_bytes(b.getvalue())
b = io.BytesIO()
np.lib.format.write_array(b, np.arange(3, dtype=np.int32), version=(2, 0))
(npy / "v2_i32").write_bytes(b.getvalue())
