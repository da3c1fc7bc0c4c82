"""Regenerates the checked-in GGUF fuzz seeds with the reference writer (gguf-py's GGUFWriter): small llama files
with a byte-level or SentencePiece vocabulary, every metadata value type incl. nested arrays, and one tensor of each
supported ggml type. Run: .venv/bin/python scripts/gen-gguf-fuzz-seeds.py"""
import pathlib
import tempfile

import numpy as np
from gguf import GGMLQuantizationType as T, GGUFWriter, quantize
from gguf.constants import GGML_QUANT_SIZES

d = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/org/saifengine/io/gguf/GgufFuzzTestInputs/file"
d.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(7)


def write(name, build):
    with tempfile.TemporaryDirectory() as tmp:
        p = pathlib.Path(tmp) / "x.gguf"
        w = GGUFWriter(str(p), "llama")
        build(w)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        (d / name).write_bytes(p.read_bytes())


def llama(w, model):
    dim, heads, vocab = 8, 2, 6
    w.add_block_count(1)
    w.add_context_length(32)
    w.add_embedding_length(dim)
    w.add_feed_forward_length(16)
    w.add_head_count(heads)
    w.add_head_count_kv(1)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_tokenizer_model(model)
    if model == "gpt2":
        w.add_token_list(["<s>", "</s>", "a", "b", "ab", "\u0120a"])
        w.add_token_merges(["a b", "\u0120 a"])
        w.add_tokenizer_pre("smollm")
    else:
        w.add_token_list(["<unk>", "<s>", "</s>", "\u2581a", "a", "<0x41>"])
        w.add_token_scores([0.0, 0.0, 0.0, -1.0, -2.0, 0.0])
    w.add_token_types([3, 3, 3, 1, 1, 6])
    w.add_bos_token_id(0 if model == "gpt2" else 1)
    w.add_eos_token_id(1 if model == "gpt2" else 2)
    w.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    f = lambda *s: rng.standard_normal(s).astype(np.float32)
    w.add_tensor("token_embd.weight", f(vocab, dim))
    w.add_tensor("output_norm.weight", f(dim))
    w.add_tensor("blk.0.attn_norm.weight", f(dim))
    w.add_tensor("blk.0.ffn_norm.weight", f(dim))
    w.add_tensor("blk.0.attn_q.weight", f(dim, dim).astype(np.float16))
    w.add_tensor("blk.0.attn_k.weight", f(4, dim))
    w.add_tensor("blk.0.attn_v.weight", f(4, dim))
    w.add_tensor("blk.0.attn_output.weight", f(dim, dim))
    w.add_tensor("blk.0.ffn_gate.weight", f(16, dim))
    w.add_tensor("blk.0.ffn_up.weight", f(16, dim))
    w.add_tensor("blk.0.ffn_down.weight", f(dim, 16))


def types(w):
    w.add_uint8("u8", 200); w.add_int8("i8", -3); w.add_uint16("u16", 60000); w.add_int16("i16", -300)
    w.add_uint32("u32", 4000000000); w.add_int32("i32", -5); w.add_float32("f32", 0.5); w.add_bool("b", True)
    w.add_string("s", "h\u00e9llo"); w.add_uint64("u64", 2**63 + 5); w.add_int64("i64", -2**40); w.add_float64("f64", 0.1)
    w.add_array("arr", [1, 2, 3]); w.add_array("nested", [[1, 2], [3]]); w.add_array("nested_str", [["x", "y"], ["z"]])
    for q in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.BF16):
        w.add_tensor(q.name, quantize(rng.standard_normal((1, 32)).astype(np.float32), q), raw_dtype=q)
    for q in (T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K):
        w.add_tensor(q.name, rng.integers(0, 256, size=(1, GGML_QUANT_SIZES[q][1]), dtype=np.uint8), raw_dtype=q)


write("llama_gpt2_vocab", lambda w: llama(w, "gpt2"))
write("llama_spm_vocab", lambda w: llama(w, "llama"))
write("all_value_and_tensor_types", types)
print("seeds in", d)
