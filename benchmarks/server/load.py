#!/usr/bin/env python3
"""Bounded load test of `engine serve` on loopback: throughput and p50/p99 latency vs concurrency, with and without
per-request steering (every request its own random vector, so the batch really mixes steering settings).

    .venv/bin/python benchmarks/server/load.py [--model ../shared/models/stories260K] [--concurrency 1,4,16]
        [--requests 4] [--max-tokens 32] [--out docs/perf/server.md]

Starts the server jar (target/engine.jar) itself on a free port and stops it at the end.
"""
import argparse
import concurrent.futures
import datetime
import os
import pathlib
import platform
import random
import re
import statistics
import subprocess
import sys
import time

import httpx

ROOT = pathlib.Path(__file__).resolve().parents[2]
JAVA = os.environ.get("JAVA_HOME_25", "/usr/lib/jvm/temurin-25-jdk-amd64") + "/bin/java"
PROMPTS = ["Once upon a time", "Lily and Tom went to the park. They saw", "The sun was", "One day, a little bird",
           "Tom had a red ball", "The old man said", "In a small town there lived", "Mia wanted a new toy"]


def start(model, extra):
    cmd = [JAVA, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
           "--sun-misc-unsafe-memory-access=allow", "-XX:+UseG1GC", "-cp", str(ROOT / "target" / "engine.jar"),
           "org.saifengine.cli.Main", "serve", "--model", model, "--port", "0", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        m = re.search(r"serving (\S+) on http://[^:]+:(\d+)", line)
        if m:
            return proc, m.group(1), f"http://127.0.0.1:{m.group(2)}"
    raise SystemExit("server did not start")


def one(url, i, steer, d_model, layer, max_tokens):
    body = {"prompt": PROMPTS[i % len(PROMPTS)], "max_tokens": max_tokens, "temperature": 0}
    if steer:
        rnd = random.Random(i)
        body["steering"] = {"layer": layer, "vector": [rnd.gauss(0, 0.05) for _ in range(d_model)], "positions": "all"}
    t0 = time.perf_counter()
    r = httpx.post(url + "/v1/completions", json=body, timeout=600)
    r.raise_for_status()
    return time.perf_counter() - t0, r.json()["usage"]["completion_tokens"]


def cpu_seconds(pid):
    """User + system CPU time of the server process: less sensitive than wall time to other load on the machine."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SERVER_PID = None


def level(url, conc, per_client, steer, d_model, layer, max_tokens):
    cpu0 = cpu_seconds(SERVER_PID)
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(conc) as pool:
        futs = [pool.submit(lambda c: [one(url, c * 1000 + k, steer, d_model, layer, max_tokens) for k in range(per_client)], c)
                for c in range(conc)]
        results = [r for f in futs for r in f.result()]
    wall = time.perf_counter() - t0
    lat = sorted(r[0] for r in results)
    tokens = sum(r[1] for r in results)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    cpu = cpu_seconds(SERVER_PID) - cpu0
    return {"requests": len(results), "tokens": tokens, "wall": wall, "cpu_ms_per_token": 1000 * cpu / tokens, "tps": tokens / wall, "p50": statistics.median(lat),
            "p99": p(0.99), "rps": len(results) / wall}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / ".." / "shared" / "models" / "stories260K"))
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--requests", type=int, default=4, help="requests per client at each level")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--out", default=str(ROOT / "docs" / "perf" / "server.md"))
    ap.add_argument("--repeat", type=int, default=1, help="alternate off/on this many times per level; the median run is kept")
    ap.add_argument("--append", action="store_true", help="append a section instead of rewriting the file")
    a = ap.parse_args()
    global SERVER_PID
    proc, model_id, url = start(a.model, [])
    SERVER_PID = proc.pid
    try:
        info = httpx.get(url + "/v1/models").json()
        cfg_probe = httpx.post(url + "/v1/completions", json={"prompt": "x", "max_tokens": 1, "temperature": 0,
                                                              "steering": {"layer": 0, "vector": [0.0]}}).json()
        d_model = int(re.search(r"d_model is (\d+)", cfg_probe["error"]["message"]).group(1))
        layers = int(re.search(r"layers 0\.\.(\d+)", httpx.post(url + "/v1/completions", json={
            "prompt": "x", "max_tokens": 1, "steering": {"layer": 100000, "vector": [0.0] * d_model}}).json()["error"]["message"]).group(1)) + 1
        layer = layers // 2
        level(url, 4, 2, True, d_model, layer, a.max_tokens)  # warm-up (JIT)
        level(url, 4, 2, False, d_model, layer, a.max_tokens)
        rows = []
        for conc in map(int, a.concurrency.split(",")):
            runs = {False: [], True: []}
            for _ in range(a.repeat):  # interleaved, so slow phases of a shared machine hit both settings
                for steer in (False, True):
                    runs[steer].append(level(url, conc, a.requests, steer, d_model, layer, a.max_tokens))
            for steer in (False, True):
                r = sorted(runs[steer], key=lambda x: x["tps"])[len(runs[steer]) // 2]
                rows.append((conc, steer, r))
                print(f"c={conc:3d} steer={'on ' if steer else 'off'} {r['tps']:8.1f} tok/s  p50 {r['p50'] * 1000:7.1f} ms  "
                      f"p99 {r['p99'] * 1000:7.1f} ms  cpu {r['cpu_ms_per_token']:6.2f} ms/tok  ({r['requests']} requests, {r['tokens']} tokens)", flush=True)
        metrics = httpx.get(url + "/metrics").text
        steps = float(re.search(r"^saif_batch_steps_total (\S+)", metrics, re.M).group(1))
        batch_rows = float(re.search(r"^saif_batch_rows_total (\S+)", metrics, re.M).group(1))
    finally:
        proc.terminate()
        proc.wait(20)

    lines = [f"## {model_id} (d_model {d_model}, {layers} layers), {a.max_tokens} tokens per request", "",
             f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
             f"{os.cpu_count()} CPUs shared with other work (load average {os.getloadavg()[0]:.1f} at the end), CPU backend, greedy. "
             f"{a.requests} requests per client at each level, median of {a.repeat} interleaved runs; steering = a different random vector per request "
             f"added at blocks.{layer}.hook_resid_post at every position. Mean batch size over the run: "
             f"{batch_rows / steps:.1f} sequences per step.", "",
             "| concurrency | steering | throughput (tok/s) | requests/s | p50 latency (ms) | p99 latency (ms) | server CPU ms/token | steering cost (throughput) | steering cost (CPU) |",
             "|---:|:---:|---:|---:|---:|---:|---:|---:|---:|"]
    for conc, steer, r in rows:
        cost = cpu_cost = ""
        if steer:
            base = next(x for c, s, x in rows if c == conc and not s)
            cost = f"{100 * (1 - r['tps'] / base['tps']):+.1f}%"
            cpu_cost = f"{100 * (r['cpu_ms_per_token'] / base['cpu_ms_per_token'] - 1):+.1f}%"
        lines.append(f"| {conc} | {'on' if steer else 'off'} | {r['tps']:.1f} | {r['rps']:.2f} | {r['p50'] * 1000:.1f} | "
                     f"{r['p99'] * 1000:.1f} | {r['cpu_ms_per_token']:.2f} | {cost} | {cpu_cost} |")
    section = "\n".join(lines) + "\n"
    out = pathlib.Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    header = ("# Server load test\n\nMade by `benchmarks/server/load.py` (loopback, the server jar started by the script). "
              "Steering cost = throughput lost (or server CPU time per token added) with per-request steering vs none at the "
              "same concurrency; positive = steering costs more. On a shared, overloaded 2-core machine wall-clock "
              "throughput is dominated by contention (other jobs), so differences of tens of percent are noise; the CPU "
              "column (user+system time of the server process per generated token) is the steadier measure.\n\n")
    if a.append and out.exists():
        out.write_text(out.read_text() + "\n" + section)
    else:
        out.write_text(header + section)
    print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(main())
