"""Starts `engine serve` on a free loopback port for the server tests, and makes test SAEs with SAELens."""
import contextlib
import math
import os
import pathlib
import re
import subprocess
import threading
import time

import pytest

from conftest import JAR, JAVA_HOME, JVM_FLAGS, SHARED, run_engine

STORIES = SHARED / "models" / "stories260K"
D_MODEL, D_SAE, SAE_LAYER = 64, 128, 2
SAE_HOOK = f"blocks.{SAE_LAYER}.hook_resid_post"
# G1 returns unused heap to the OS when idle (so memory falls back after load); a small heap start.
SERVER_JVM = ["-Xms32m", "-Xmx1g", "-XX:+UseG1GC", "-XX:G1PeriodicGCInterval=1000"]


class Server:
    def __init__(self, proc, port, lines):
        self.proc, self.port, self.lines = proc, port, lines
        self.url = f"http://127.0.0.1:{port}"

    def rss_kb(self):
        for line in pathlib.Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


@contextlib.contextmanager
def serve(*args, env=None, model=STORIES):
    if not JAR.exists():
        pytest.fail(f"{JAR} is missing: build it first with 'mvn package -DskipTests'")
    cmd = [f"{JAVA_HOME}/bin/java", *JVM_FLAGS, *SERVER_JVM, "-cp", str(JAR), "org.saifengine.cli.Main", "serve",
           "--model", str(model), "--port", "0", *map(str, args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **(env or {})})
    lines = []
    port = None
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"serving \S+ on http://[^:]+:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        proc.kill()
        raise AssertionError("server did not start:\n" + "".join(lines) + (proc.stdout.read() or ""))
    # keep draining output so the pipe never fills
    threading.Thread(target=lambda: [lines.append(l) for l in proc.stdout], daemon=True).start()
    try:
        yield Server(proc, port, lines)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def make_sae(directory, seed=0):
    """A random SAELens StandardSAE on stories260K's block-2 residual, saved by SAELens itself."""
    import torch
    import sae_lens
    from sae_lens.saes.sae import SAEMetadata

    sae = sae_lens.StandardSAE(sae_lens.StandardSAEConfig(
        d_in=D_MODEL, d_sae=D_SAE, metadata=SAEMetadata(hook_name=SAE_HOOK, model_name="stories260K")))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sae.named_parameters():
            scale = {"W_enc": 1 / math.sqrt(D_MODEL), "W_dec": 1 / math.sqrt(D_MODEL), "b_enc": 0.05, "b_dec": 0.05}[name]
            p.copy_(torch.randn(p.shape, generator=g) * scale)
    sae.save_model(directory)
    return sae


def make_saif_run(tmp):
    """`saif find` for concept-she on stories260K with a seeded random SAE (make_sae) in tmp; returns the run dir."""
    sae = tmp / "res2"
    make_sae(sae, seed=5)
    run = tmp / "run"
    run_engine("saif", "find", "--model", STORIES, "--sae", sae, "--task", "concept-she", "--out", run,
               "--alpha", "3", "--discovery", "6")
    return run
