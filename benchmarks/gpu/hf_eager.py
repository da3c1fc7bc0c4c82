"""HF transformers (eager attention) on Gemma-2-2B shapes with random bf16 weights, on the GPU machine.

Saves the random model as a Hugging Face directory (so `engine bench-gpu --model DIR` times the same weights) and
prints markdown table rows: prefill and decode tokens/s at batch 1, 8 and 64 with a KV cache. Usage:
    python3 benchmarks/gpu/hf_eager.py OUT_DIR ROWS_FILE
"""
import sys
import time

import torch
from transformers import Gemma2Config, Gemma2ForCausalLM

out_dir, rows_file = sys.argv[1], sys.argv[2]
PROMPT, DECODE = 128, 32
cfg = Gemma2Config(vocab_size=256000, hidden_size=2304, intermediate_size=9216, num_hidden_layers=26,
                   num_attention_heads=8, num_key_value_heads=4, head_dim=256, query_pre_attn_scalar=256,
                   sliding_window=4096, final_logit_softcapping=30.0, attn_logit_softcapping=50.0,
                   max_position_embeddings=8192, attn_implementation="eager")
torch.manual_seed(0)
torch.set_default_dtype(torch.bfloat16)  # build the 2.6B parameters directly in bf16
model = Gemma2ForCausalLM(cfg).to(torch.bfloat16)
model.save_pretrained(out_dir, safe_serialization=True)
model = model.cuda().eval()
rows = []
with torch.no_grad():
    for batch in (1, 8, 64):
        ids = torch.randint(1, cfg.vocab_size, (batch, PROMPT), device="cuda")
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        out = model(ids, use_cache=True)
        torch.cuda.synchronize()
        prefill = time.perf_counter() - t0
        past = out.past_key_values
        nxt = out.logits[:, -1:].argmax(-1)
        torch.cuda.synchronize()
        t1 = time.perf_counter()
        for _ in range(DECODE):
            out = model(nxt, past_key_values=past, use_cache=True)
            past = out.past_key_values
            nxt = out.logits[:, -1:].argmax(-1)
        torch.cuda.synchronize()
        decode = time.perf_counter() - t1
        rows.append(f"| HF transformers {__import__('transformers').__version__} eager, Gemma-2-2B random bf16, batch {batch} "
                    f"| prefill {batch * PROMPT / prefill:.0f} tokens/s, decode {batch * DECODE / decode:.1f} tokens/s "
                    f"| prompt {PROMPT}, {DECODE} decode steps, first call includes warm-up |")
        del out, past
        torch.cuda.empty_cache()
open(rows_file, "w").write("\n".join(rows) + "\n")
print("\n".join(rows))
