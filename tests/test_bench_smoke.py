"""Smoke test of `engine bench --json` on stories260K with tiny sizes: every field is there and every rate,
time and byte count is a positive finite number. Speed itself is never asserted (benchmarks measure it)."""
import math

from conftest import run_engine_json

RATES = ["prefill_tokens_per_s", "decode_tokens_per_s", "time_to_first_token_ms",
         "prefill_batch_tokens_per_s", "decode_batch_tokens_per_s"]


def positive(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def check_stats(s, name):
    assert set(s) == {"median", "min", "max"}, name
    assert all(positive(s[k]) for k in s), (name, s)
    assert s["min"] <= s["median"] <= s["max"], (name, s)


def test_bench_json_has_every_field_with_positive_numbers(shared):
    d = run_engine_json("bench", "--model", shared / "models" / "stories260K", "--json",
                        "--prompt-tokens", "8", "--decode-tokens", "4", "--batch", "2", "--warmup", "1", "--runs", "3",
                        "--sae-width", "128", "--sae-k", "8", "--sae-batch", "4", "--bandwidth-mib", "16", timeout=300)
    assert d["prompt_tokens"] == 8 and d["decode_tokens"] == 4 and d["batch"] == 2 and d["runs"] == 3
    for k in RATES:
        check_stats(d[k], k)
    st = d["steering"]
    check_stats(st["decode_step_ms"], "decode_step_ms")
    check_stats(st["steered_decode_step_ms"], "steered_decode_step_ms")
    check_stats(st["steered_decode_step_ms"], "steered_decode_step_ms")
    assert math.isfinite(st["overhead_percent"])  # may be negative: noise on a tiny model
    d_ = st["paired_difference_ms"]  # steered minus plain, per pair of steps: any sign
    assert d_["min"] <= d_["median"] <= d_["max"] and all(math.isfinite(d_[k]) for k in d_)
    assert d["sae"]["d_in"] == 64 and d["sae"]["d_sae"] == 128
    check_stats(d["sae"]["encode_tokens_per_s_batch_1"], "sae batch 1")
    check_stats(d["sae"]["encode_tokens_per_s_batch_4"], "sae batch 4")
    # stories260K: 5 layers x (q, k, v, o at 64x64, 64x32 ... ) - the sizes are checked against the config below.
    assert d["weight_bytes"] >= d["weight_bytes_read_per_token"] > 0
    assert d["kv_cache_bytes_batch_1"] == 2 * 5 * 13 * 32 * 4  # K and V, 5 layers, 8+4+1 positions, kv_dim 32, f32
    assert positive(d["peak_rss_bytes"]) and d["peak_rss_bytes"] > d["weight_bytes"]
    assert positive(d["peak_rss_bytes_batch_1"]) and d["peak_rss_bytes_batch_1"] <= d["peak_rss_bytes"]
    assert positive(d["peak_rss_batch_1_over_weights_plus_kv"])
    assert d["weights_plus_kv_bytes_batch_1"] == d["weight_bytes"] + d["kv_cache_bytes_batch_1"]
    assert abs(d["peak_rss_batch_1_over_weights_plus_kv"] * d["weights_plus_kv_bytes_batch_1"]
               - d["peak_rss_bytes_batch_1"]) < 1e-6 * d["peak_rss_bytes_batch_1"]
    mem = d["memory"]
    assert mem["rss_anon_bytes"] + mem["rss_file_bytes"] <= mem["rss_bytes"] + 4096
    assert 0 < mem["heap_used_bytes"] <= mem["heap_committed_bytes"] and positive(mem["non_heap_committed_bytes"])
    assert st["allocated_bytes_per_step"] >= 0 and st["steered_allocated_bytes_per_step"] >= 0
    for k in ["memory_bandwidth_gb_per_s", "decode_floor_tokens_per_s", "decode_vs_floor"]:
        assert positive(d[k]), k


def test_bench_only_runs_the_named_parts(shared):
    d = run_engine_json("bench", "--model", shared / "models" / "stories260K", "--json", "--only", "single",
                        "--prompt-tokens", "4", "--decode-tokens", "2", "--runs", "1", timeout=300)
    assert positive(d["decode_tokens_per_s"]["median"])
    assert "decode_batch_tokens_per_s" not in d and "sae" not in d and "steering" not in d
    assert "memory_bandwidth_gb_per_s" not in d


def test_bench_rejects_bad_sizes(shared):
    from conftest import run_engine
    p = run_engine("bench", "--model", shared / "models" / "stories260K", "--runs", "0", check=False)
    assert p.returncode != 0 and "error:" in p.stderr and "--runs" in p.stderr


def test_bench_out_is_resumed_after_kill_9(shared, tmp_path):
    """`bench --out FILE` saves each part as it finishes: killed with SIGKILL after the first part, the same command
    keeps that part as it was measured and measures only the rest (issue 9: benchmarks are long jobs too)."""
    import json
    import signal
    import subprocess
    import time
    from conftest import engine_cmd, run_engine
    out = tmp_path / "bench.json"
    args = ["bench", "--model", shared / "models" / "stories260K", "--json", "--only", "single,batch,sae",
            "--prompt-tokens", "8", "--decode-tokens", "4", "--batch", "2", "--runs", "3",
            "--sae-width", "65536", "--sae-k", "8", "--sae-batch", "256", "--out", out]  # the SAE part takes seconds

    def saved():
        try:
            return json.loads(out.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
    p = subprocess.Popen(engine_cmd(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while (saved() is None or "single" not in saved()["parts"]) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    p.send_signal(signal.SIGKILL)
    p.wait()
    before = saved()
    assert before is not None and not before["complete"] and "sae" not in before["parts"], before
    assert list(tmp_path.iterdir()) == [out], "no temporary file is left"

    second = run_engine(*args, timeout=300)
    assert "bench: resuming" in second.stderr and "kept: single" in second.stderr, second.stderr
    d = json.loads(second.stdout)
    after = saved()
    assert after["complete"] and set(after["parts"]) == {"single", "batch", "sae"}
    for part, values in before["parts"].items():  # kept exactly, not measured again
        assert after["parts"][part] == values
        for k, v in values.items():
            assert d[k] == v, k
    check_stats(d["decode_batch_tokens_per_s"], "batch after resume")
    check_stats(d["sae"]["encode_tokens_per_s_batch_256"], "sae after resume")
    assert after["results"] == d

    # complete: rerunning prints the same results without measuring; other settings are refused
    again = run_engine(*args)
    assert json.loads(again.stdout) == d and "is complete" in again.stderr
    other = run_engine(*[a if a != "3" else "4" for a in args], check=False)
    assert other.returncode != 0 and "holds a bench with other settings" in other.stderr
