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
