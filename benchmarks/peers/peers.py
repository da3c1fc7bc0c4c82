"""Side-by-side CPU measurements of the engine and its peers, in one run on one machine (see benchmarks/peers/run).

Peers: llama.cpp (llama-cpp-python) on the default model's Q4_1 GGUF and on F32 / BF16 copies of it; HF
transformers (CPU torch) in f32 and bf16; SAELens encode on a random JumpReLU SAE of the Gemma Scope 16k shape;
and the machine's memory bandwidth (a large numpy copy). Every peer runs in its own subprocess (its own peak RSS,
no torch threads lingering next to llama.cpp). All sides get the same thread count, the same prompt token ids,
the same generation length and greedy decoding; each case has a warm-up run, then the median of --runs runs.

    python peers.py run --engine ./engine --out docs/perf/cpu.md [--threads 2 --prompt-tokens 64 --decode-tokens 32 --runs 5]
"""
import argparse
import datetime
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BEGIN, END = "<!-- peers:begin (written by benchmarks/peers/run) -->", "<!-- peers:end -->"


def prompt_ids(n, vocab):
    # The same pseudo-random ids `engine bench` feeds (sequence 0).
    return [1 + (i * 7919) % (vocab - 1) for i in range(n)]


def peak_rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return -1


def med(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


# ---------------------------------------------------------------- peers, each run as `peers.py <peer> ...`

def llama(a):
    import numpy as np
    from llama_cpp import Llama
    llm = Llama(model_path=a.model, n_threads=a.threads, n_threads_batch=a.threads, n_ctx=a.prompt_tokens + a.decode_tokens + 8,
                n_batch=max(32, a.prompt_tokens), n_ubatch=max(32, a.prompt_tokens), verbose=False)
    ids = prompt_ids(a.prompt_tokens, llm.n_vocab())

    def last_logits():
        # Without logits_all, eval keeps no scores: read the last token's logits from the context.
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))

    def once():
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(ids)
        nxt = int(np.argmax(last_logits()))
        t1 = time.perf_counter()
        for _ in range(a.decode_tokens):
            llm.eval([nxt])
            nxt = int(np.argmax(last_logits()))
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1

    report_timings(a, once)


def report_timings(a, once):
    """One warm-up, then a.runs timed calls of once() -> (prefill seconds, decode seconds); prints the medians."""
    once()
    pre, dec = [], []
    for _ in range(a.runs):
        p, d = once()
        pre.append(a.prompt_tokens / p)
        dec.append(a.decode_tokens / d)
    print(json.dumps({"prefill_tokens_per_s": med(pre), "decode_tokens_per_s": med(dec), "peak_rss_bytes": peak_rss()}))


def hf(a):
    import torch
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(a.threads)
    dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[a.dtype]
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=dtype).eval()
    ids = torch.tensor([prompt_ids(a.prompt_tokens, model.config.vocab_size)])

    @torch.inference_mode()
    def once():
        t0 = time.perf_counter()
        out = model(ids, use_cache=True)
        nxt = out.logits[:, -1].argmax(-1, keepdim=True)
        past = out.cache  # transformers >= 5.2x names the KV cache `cache` (was past_key_values)
        t1 = time.perf_counter()
        for _ in range(a.decode_tokens):
            out = model(nxt, cache=past, use_cache=True)
            past = out.cache
            nxt = out.logits[:, -1].argmax(-1, keepdim=True)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1

    report_timings(a, once)


def saelens(a):
    import numpy as np
    import torch
    from sae_lens import SAE
    torch.set_num_threads(a.threads)
    sae = SAE.load_from_disk(a.sae, device="cpu")
    acts = torch.from_numpy(np.load(a.activations))
    out = {}
    for b in (1, 256):
        x = acts[:b]
        with torch.inference_mode():
            sae.encode(x)
            reps = max(1, int(0.2 / max(1e-6, _time(lambda: sae.encode(x)))))  # ~0.2 s per timed run, as the engine
            rates = []
            for _ in range(a.runs):
                t0 = time.perf_counter()
                for _ in range(reps):
                    sae.encode(x)
                rates.append(reps * b / (time.perf_counter() - t0))
        out[f"encode_tokens_per_s_batch_{b}"] = med(rates)
    print(json.dumps(out))


def _time(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def bandwidth(a):
    import numpy as np
    n = 512 << 20
    src = np.ones(n // 4, dtype=np.float32)
    dst = np.empty_like(src)
    best = 0
    for _ in range(6):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = max(best, 2 * n / (time.perf_counter() - t0))  # every byte read once and written once
    print(json.dumps({"copy_gb_per_s": best / 1e9}))


# ---------------------------------------------------------------- the orchestrating run

def sub(*args, timeout=1800, python=None):
    p = subprocess.run([python or sys.executable, __file__, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"peers.py {' '.join(map(str, args))} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def engine(a, *args):
    p = subprocess.run([a.engine, *map(str, args)], capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        raise RuntimeError(f"engine {' '.join(map(str, args))} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout)


def make_sae(dirpath, npy, threads):
    """A random JumpReLU SAE of the Gemma Scope 16k shape (d_in 2304, d_sae 16384) in SAELens' format, and 256
    activations; threshold 2 on pre-activations ~N(b_enc, 1) keeps ~2% of the latents active, like a trained SAE."""
    import numpy as np
    import torch
    from sae_lens import JumpReLUSAE, JumpReLUSAEConfig
    if (dirpath / "cfg.json").exists() and npy.exists():
        return
    torch.manual_seed(0)
    d_in, d_sae = 2304, 16384
    sae = JumpReLUSAE(JumpReLUSAEConfig(d_in=d_in, d_sae=d_sae, apply_b_dec_to_input=False))
    with torch.no_grad():
        sae.W_enc.copy_(torch.randn(d_in, d_sae) / d_in ** 0.5)
        sae.W_dec.copy_(torch.randn(d_sae, d_in) / d_in ** 0.5)
        sae.b_enc.copy_(torch.randn(d_sae) * 0.1)
        sae.b_dec.copy_(torch.randn(d_in) * 0.1)
        sae.threshold.fill_(2.0)
    dirpath.mkdir(parents=True, exist_ok=True)
    sae.save_model(dirpath)
    np.save(npy, np.random.default_rng(0).standard_normal((256, d_in)).astype(np.float32))


class Steps:
    """The finished measurements of one `run`, saved (atomic rename) as each one ends, so that a run that is killed
    continues where it stopped when it is started again with the same settings and commit: each step that is in the
    file is kept, the others are measured. The file is deleted once the report is written."""

    def __init__(self, path, settings):
        self.path, self.settings, self.done = path, settings, {}
        if path.exists():
            try:
                saved = json.loads(path.read_text())
            except json.JSONDecodeError:
                saved = {}
            if saved.get("settings") == settings:
                self.done = saved["steps"]
                print(f"peers: resuming an interrupted run; kept {', '.join(self.done)}", file=sys.stderr)
            else:
                print(f"peers: {path} is from other settings or another commit; starting over", file=sys.stderr)
        self.kept = list(self.done)

    def __call__(self, key, measure):
        if key not in self.done:
            self.done[key] = measure()
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"settings": self.settings, "steps": self.done}))
            tmp.replace(self.path)
        return self.done[key]

    def finish(self):
        self.path.unlink(missing_ok=True)


def machine():
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    info = {k.strip(): v.strip() for k, v in (l.split(":", 1) for l in lscpu.splitlines() if ":" in l)}
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
    load = open("/proc/loadavg").read().split()[:3]
    return {"cpu": info.get("Model name", "?"), "cores": os.cpu_count(), "flags_avx512": "avx512f" in info.get("Flags", ""),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": commit + (" (with uncommitted changes)" if dirty else ""), "load": " ".join(load)}


def run(a):
    cache = pathlib.Path(os.environ.get("SAIF_ENGINE_CACHE", pathlib.Path.home() / ".cache" / "saif-engine")) / "peers"
    cache.mkdir(parents=True, exist_ok=True)
    q4 = pathlib.Path(subprocess.run([str(ROOT / "scripts" / "fetch-default-model")], capture_output=True, text=True, check=True).stdout.strip())
    ggufs = {"Q4_1": q4}
    for kind in ("f32", "bf16"):
        path = cache / f"SmolLM2-135M-Instruct.{kind}.gguf"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            subprocess.run([sys.executable, str(HERE / "gguf_retype.py"), str(q4), str(tmp), kind], check=True)
            tmp.rename(path)
        ggufs[kind] = path
    hf_dir = cache / "SmolLM2-135M-Instruct-hf"
    if not (hf_dir / "config.json").exists():
        subprocess.run([a.engine, "convert", "--gguf", str(q4), "--out", str(hf_dir)], check=True, capture_output=True)
    sae_dir, acts = cache / "sae-jumprelu-2304x16384-random", cache / "acts-256x2304.npy"
    make_sae(sae_dir, acts, a.threads)

    common = ["--prompt-tokens", a.prompt_tokens, "--decode-tokens", a.decode_tokens, "--runs", a.runs]
    lm = ["--threads", a.threads, *common]
    rows = []  # (what, ours-label, ours, peer-label, peer)
    m = machine()
    print(f"machine: {m}", file=sys.stderr)
    steps = Steps(cache / "run-progress.json", {**{k: str(v) for k, v in vars(a).items()}, "commit": m["commit"]})

    bw = steps("bandwidth", lambda: sub("bandwidth"))
    ours = {}
    for label, model, dtype in [("Q4_1 GGUF native", ggufs["Q4_1"], "native"),
                                ("Q4_1 GGUF → f32", ggufs["Q4_1"], "f32"), ("Q4_1 GGUF → bf16", ggufs["Q4_1"], "bf16"),
                                ("F32 GGUF", ggufs["f32"], "f32"), ("BF16 GGUF", ggufs["bf16"], "bf16")]:
        print(f"engine {label}", file=sys.stderr)
        ours[label] = steps(f"engine {label}", lambda: engine(a, "bench", "--model", model, "--dtype", dtype, "--json", "--only",
                                                              "single,bandwidth", "--warmup", 1, "--bandwidth-mib", 512, *common))
    peers = {}
    for kind in ("Q4_1", "f32", "bf16") if "llama" in a.peers else ():
        print(f"llama.cpp {kind}", file=sys.stderr)
        peers[f"llama.cpp {kind}"] = steps(f"llama.cpp {kind}", lambda: sub("llama", "--model", ggufs[kind], *lm, python=a.llama_python))
    for dtype in ("f32", "bf16") if "hf" in a.peers else ():
        print(f"transformers {dtype}", file=sys.stderr)
        peers[f"transformers {dtype}"] = steps(f"transformers {dtype}", lambda: sub("hf", "--model", hf_dir, "--dtype", dtype, *lm))
    print("SAE encode", file=sys.stderr)
    our_sae = steps("engine SAE encode", lambda: engine(a, "sae", "bench", "--sae", sae_dir, "--activations", acts, "--batch", "1,256",
                                                        "--seconds", a.sae_seconds, "--json"))
    peer_sae = None if "saelens" not in a.peers else steps("SAELens encode", lambda: sub(
        "saelens", "--sae", sae_dir, "--activations", acts, "--threads", a.threads, "--runs", a.runs))

    pairs = [("F32 GGUF", "llama.cpp f32", "f32 weights, same F32 GGUF"),
             ("BF16 GGUF", "llama.cpp bf16", "bf16 weights, same BF16 GGUF"),
             ("Q4_1 GGUF native", "llama.cpp Q4_1", "same Q4_1 GGUF, both computing on its Q4_1 / Q8_0 blocks (engine `--dtype native`)"),
             ("Q4_1 GGUF → bf16", "llama.cpp Q4_1", "same Q4_1 GGUF (engine dequantizes to bf16 at load; llama.cpp computes on Q4_1)"),
             ("Q4_1 GGUF → f32", "transformers f32", "f32 weights (HF: `engine convert` output)"),
             ("Q4_1 GGUF → bf16", "transformers bf16", "bf16 weights (HF: `engine convert` output)")]
    lines = [BEGIN, "", "## Engine vs peers (`benchmarks/peers/run`)", "",
             f"Machine: {m['cpu']}, {m['cores']} cores{' (AVX-512)' if m['flags_avx512'] else ''}; {m['date']}; commit {m['commit']};"
             f" load average at the start {m['load']}."
             + (f" Resumed after an interruption: {', '.join(steps.kept)} measured before it." if steps.kept else ""),
             f"Settings: {a.threads} threads on every side, prompt {a.prompt_tokens} tokens (same ids), {a.decode_tokens} greedy decode"
             f" steps, one warm-up then the median of {a.runs} runs (min–max in brackets). Ratios are ours / peer (> 1: we are faster).",
             f"Model: SmolLM2-135M-Instruct (default model). Memory bandwidth (numpy copy of 512 MiB, read + write bytes):"
             f" {bw['copy_gb_per_s']:.1f} GB/s; engine's parallel read: {ours['F32 GGUF'].get('memory_bandwidth_gb_per_s', 0):.1f} GB/s.", "",
             "| comparison | metric | engine | peer | ours / peer |", "| --- | --- | --- | --- | --- |"]

    def cell(s):
        return f"{s['median']:.1f} ({s['min']:.1f}–{s['max']:.1f})"

    for o, p, what in pairs:
        if p not in peers:
            continue
        for metric, key in (("prefill tok/s", "prefill_tokens_per_s"), ("decode tok/s", "decode_tokens_per_s")):
            so, sp = ours[o][key], peers[p][key]
            lines.append(f"| engine {o} vs {p}: {what} | {metric} | {cell(so)} | {cell(sp)} | **{so['median'] / sp['median']:.2f}** |")
    for o, p, what in pairs[:4]:
        if p not in peers:
            continue
        lines.append(f"| engine {o} vs {p} | peak RSS | {ours[o]['peak_rss_bytes_batch_1'] / 2**20:.0f} MiB |"
                     f" {peers[p]['peak_rss_bytes'] / 2**20:.0f} MiB | {ours[o]['peak_rss_bytes_batch_1'] / peers[p]['peak_rss_bytes']:.2f} |")
    for b in (1, 256) if peer_sae else ():
        so = next(r for r in our_sae["results"] if r["batch"] == b)["fused_tokens_per_s"]
        sp = peer_sae[f"encode_tokens_per_s_batch_{b}"]
        lines.append(f"| engine `sae bench` vs SAELens `SAE.encode` (JumpReLU 2304 x 16384, random, f32) | encode tok/s, batch {b} |"
                     f" {so:.1f} | {cell(sp)} | **{so / sp['median']:.2f}** |")
    lines += ["", "Decode floor (weight matrix bytes read per token / copy bandwidth):"]
    for o in ("F32 GGUF", "BF16 GGUF", "Q4_1 GGUF native"):
        b = ours[o]["weight_bytes_read_per_token"]
        floor = bw["copy_gb_per_s"] * 1e9 / b
        lines.append(f"- {o}: {b / 1e6:.0f} MB per token → floor {floor:.1f} tok/s; engine decode {ours[o]['decode_tokens_per_s']['median']:.1f}"
                     f" tok/s = {ours[o]['decode_tokens_per_s']['median'] / floor:.2f} x floor.")
    lines += ["", "Engine batch-1 peak RSS vs weights + KV cache: " + "; ".join(
        f"{o} {ours[o]['peak_rss_batch_1_over_weights_plus_kv']:.2f}x" for o in ours) + ".", "", END]
    section = "\n".join(lines)
    out = pathlib.Path(a.out)
    text = out.read_text() if out.exists() else "# CPU performance\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    (out.parent / "cpu-peers.json").write_text(json.dumps({"machine": m, "bandwidth": bw, "engine": ours, "peers": peers,
                                                         "engine_sae": our_sae, "saelens": peer_sae,
                                                         "resumed_steps": steps.kept}, indent=1))
    steps.finish()
    print(section)


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    r = sp.add_parser("run")
    r.add_argument("--engine", default=str(ROOT / "engine"))
    r.add_argument("--out", default=str(ROOT / "docs" / "perf" / "cpu.md"))
    r.add_argument("--sae-seconds", type=float, default=3)
    r.add_argument("--llama-python", help="python of the venv that has llama_cpp (default: this one)")
    r.add_argument("--peers", default="llama,hf,saelens", help="which peers to run (comma-separated)")
    for name in ("run", "llama", "hf", "saelens"):
        p = r if name == "run" else sp.add_parser(name)
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--prompt-tokens", type=int, default=64)
        p.add_argument("--decode-tokens", type=int, default=32)
        p.add_argument("--runs", type=int, default=5)
        if name in ("llama", "hf"):
            p.add_argument("--model", required=True)
        if name == "hf":
            p.add_argument("--dtype", choices=["f32", "bf16"], required=True)
        if name == "saelens":
            p.add_argument("--sae", required=True)
            p.add_argument("--activations", required=True)
    sp.add_parser("bandwidth")
    a = ap.parse_args()
    {"run": run, "llama": llama, "hf": hf, "saelens": saelens, "bandwidth": bandwidth}[a.cmd](a)


if __name__ == "__main__":
    main()
