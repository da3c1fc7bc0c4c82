"""Regenerates the checked-in seeds of the tokenizer.json, chat template, SAE format and server request fuzz targets
(issue 9) with the reference libraries where there is one (`tokenizers`, SAELens, numpy).
Run: .venv/bin/python scripts/gen-parser-fuzz-seeds.py"""
import io
import json
import pathlib
import sys

import numpy as np

root = pathlib.Path(__file__).resolve().parent.parent
res = root / "src/test/resources/org/saifengine"


def seeds(rel):
    d = res / rel
    d.mkdir(parents=True, exist_ok=True)
    return d


# --- tokenizer.json (+ NUL + tokenizer_config.json), written by the `tokenizers` library -------------------------
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

corpus = ["Hello world, hello there.", "The cat sat on the mat 12 times.", "wörld 漢字 🦙", "<|im_start|>user hi"]
d = seeds("tokenizer/TokenizerJsonFuzzTestInputs/tokenizerJson")

bl = Tokenizer(models.BPE())
bl.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
bl.decoder = decoders.ByteLevel()
bl.post_processor = processors.ByteLevel(trim_offsets=False)
bl.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>", "<|im_end|>"],
                                                   initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
(d / "byte_level_bpe").write_bytes(bl.to_str().encode())
chatml = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
          "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
cfg = {"bos_token": None, "eos_token": "<|im_end|>", "add_bos_token": False, "chat_template": chatml}
(d / "byte_level_bpe_with_config").write_bytes(bl.to_str().encode() + b"\0" + json.dumps(cfg).encode())

sp = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
sp.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
sp.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
sp.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=320, special_tokens=["<unk>", "<s>", "</s>"]
                                                   + [f"<0x{i:02X}>" for i in range(256)]))
sp.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
(d / "metaspace_byte_fallback").write_bytes(sp.to_str().encode())
(d / "metaspace_byte_fallback_with_config").write_bytes(
    sp.to_str().encode() + b"\0" + json.dumps({"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": True}).encode())

ws = Tokenizer(models.BPE(unk_token="[UNK]"))
ws.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
ws.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True)])
ws.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=120, special_tokens=["[UNK]"]))
(d / "whitespace_digits_lowercase").write_bytes(ws.to_str().encode())

# --- chat templates (the ones tests/test_tokenizer_chat_template.py checks against transformers) -----------------
sys.path.insert(0, str(root / "tests"))
sys.modules.setdefault("conftest", type(sys)("conftest")).run_engine = None
from test_tokenizer_chat_template import TEMPLATES  # noqa: E402

d = seeds("tokenizer/ChatTemplateFuzzTestInputs/render")
for name, t in TEMPLATES.items():
    (d / name).write_bytes(t.encode())
    (d / (name + "_own_messages")).write_bytes(t.encode() + "\0Be brief.\0héllo {{ 7*7 }}\0ok".encode())

# --- SAE configs: byte 0 = format (0 SAELens, 1 sparsify, 2 Llama Scope), byte 1 = shapes, byte 2 = flags --------
d = seeds("sae/format/SaeFormatFuzzTestInputs/config")


def shape_byte(d_in, d_sae):
    return (d_in - 1) | ((d_sae - 1) << 2)


def sae_seed(name, fmt, d_in, d_sae, flags, cfg):
    (d / name).write_bytes(bytes([fmt, shape_byte(d_in, d_sae), flags]) + json.dumps(cfg, indent=1).encode())


from sae_lens import JumpReLUSAEConfig, StandardSAEConfig, TopKSAEConfig  # noqa: E402

sae_seed("saelens_v6_standard", 0, 4, 8, 0, StandardSAEConfig(d_in=4, d_sae=8).to_dict())
sae_seed("saelens_v6_topk", 0, 3, 6, 0, TopKSAEConfig(d_in=3, d_sae=6, k=2).to_dict())
sae_seed("saelens_v6_jumprelu", 0, 2, 5, 1, JumpReLUSAEConfig(d_in=2, d_sae=5).to_dict())
# pre-6 SAELens cfg.json, with the fields SAELens 5 wrote (flat hook_point, activation_fn_str, boolean normalize)
pre6 = {"architecture": "standard", "d_in": 4, "d_sae": 8, "dtype": "float32", "device": "cpu", "model_name": "gpt2-small",
        "hook_point": "blocks.2.hook_resid_pre", "hook_point_layer": 2, "hook_point_head_index": None,
        "activation_fn_str": "relu", "activation_fn_kwargs": {}, "apply_b_dec_to_input": True,
        "finetuning_scaling_factor": False, "sae_lens_training_version": "3.12.1", "prepend_bos": True,
        "dataset_path": "x", "context_size": 128, "normalize_activations": "none"}
sae_seed("saelens_pre6_relu", 0, 4, 8, 0, pre6)
sae_seed("saelens_pre6_topk_scaling", 0, 4, 8, 2, dict(pre6, activation_fn_str="topk", activation_fn_kwargs={"k": 3},
                                                         normalize_activations="expected_average_only_in"))
sae_seed("saelens_pre6_jumprelu_log_threshold", 0, 2, 3, 4, dict(pre6, architecture="jumprelu", d_in=2, d_sae=3))
# sparsify cfg.json (SparseCoderConfig fields + d_in)
sparsify = {"activation": "topk", "expansion_factor": 2, "normalize_decoder": True, "num_latents": 0, "k": 2,
            "multi_topk": False, "skip_connection": False, "transcode": False, "d_in": 4}
sae_seed("sparsify_expansion", 1, 4, 8, 0, sparsify)
sae_seed("sparsify_num_latents_transposed_dec", 1, 3, 5, 1, dict(sparsify, num_latents=5, d_in=3))
sae_seed("sparsify_skip", 1, 2, 4, 2, dict(sparsify, d_in=2, skip_connection=True))
# Llama Scope hyperparams.json
llama = {"d_model": 4, "d_sae": 8, "act_fn": "jumprelu", "jump_relu_threshold": 0.5, "hook_point_in": "blocks.3.hook_resid_post",
         "hook_point_out": "blocks.3.hook_resid_post", "norm_activation": "dataset-wise", "use_decoder_bias": True,
         "apply_decoder_bias_to_pre_encoder": False, "dataset_average_activation_norm": {"in": 2.5, "out": 2.5}, "top_k": 50}
sae_seed("llama_scope_jumprelu", 2, 4, 8, 0, llama)
sae_seed("llama_scope_topk", 2, 2, 6, 0, dict(llama, d_model=2, d_sae=6, act_fn="topk", top_k=2))
sae_seed("llama_scope_relu_no_norm", 2, 3, 4, 0, {k: v for k, v in dict(llama, d_model=3, d_sae=4, act_fn="relu").items()
                                                   if k != "dataset_average_activation_norm"})

# --- Gemma Scope params.npz, by numpy ----------------------------------------------------------------------------
d = seeds("sae/format/SaeFormatFuzzTestInputs/gemmaScopeNpz")
r = np.random.default_rng(3)
p = {"W_enc": r.standard_normal((4, 8)).astype(np.float32), "W_dec": r.standard_normal((8, 4)).astype(np.float32),
     "b_enc": r.standard_normal(8).astype(np.float32), "b_dec": r.standard_normal(4).astype(np.float32),
     "threshold": np.abs(r.standard_normal(8)).astype(np.float32)}
for name, save in [("savez", np.savez), ("savez_compressed", np.savez_compressed)]:
    buf = io.BytesIO()
    save(buf, **p)
    (d / name).write_bytes(buf.getvalue())
buf = io.BytesIO()
np.savez(buf, **{k: v for k, v in p.items() if k != "threshold"})
(d / "missing_threshold").write_bytes(buf.getvalue())

# --- server request bodies (/v1/completions and /v1/chat/completions, docs/server.md's extensions) ---------------
d = seeds("server/RequestFuzzTestInputs/body")
bodies = {
    "completion": {"model": "stories260K", "prompt": "Once upon a time", "max_tokens": 8, "temperature": 0.7, "top_p": 0.9,
                   "seed": 3, "stop": ["\n", "."]},
    "completion_ids_stream": {"prompt": [1, 2, 3], "max_tokens": 4, "stream": True, "stream_options": {"include_usage": True}},
    "chat": {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
             "max_completion_tokens": 5, "top_k": 5},
    "steering_latents": {"prompt": "Once", "steering": {"latents": [{"sae": "res2", "index": 3, "strength": 4.0}],
                                                         "positions": "generated", "schedule": "linear:0:1:4"}},
    "steering_run_vector": {"prompt": ["Once"], "steering": {"layer": 2, "saif_run": {"name": "lower", "alpha": 1.5},
                                                             "vector": [0.5] * 64, "strength": 2.0, "positions": "from-step",
                                                             "from_step": 2, "schedule": {"start": 0, "end": 1, "ramp_steps": 3},
                                                             "renormalize": True}},
    "monitor": {"messages": [{"role": "user", "content": "Hi"}], "stream": True, "monitor": {"sae": "res3", "latents": [0, 7], "top_k": 3}},
}
for name, b in bodies.items():
    (d / name).write_bytes(json.dumps(b).encode())
print("seeds written under", res)
