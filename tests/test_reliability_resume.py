"""kill -9 and resume (issue 9): `sae train`, `saif find` and `saif eval` on stories260K, each run once uninterrupted,
then again in a fresh directory killed with SIGKILL at seeded-random times and rerun (the same command) until it
completes. The final files must be byte-identical to the uninterrupted run's, results.jsonl without a duplicated or
missing row. Tiny budgets keep the whole module around a minute."""
import json
import random
import shutil
import signal
import subprocess
import time

import pytest

from conftest import JAVA_HOME, JAR, JVM_FLAGS

KILLS = 3
SEED = 20261125


def cmd(*args):
    # Find checkpoints after every content here (1 s apart by default), so that kills land between checkpoints.
    return [f"{JAVA_HOME}/bin/java", *JVM_FLAGS, "-Dsaif.find.checkpointSeconds=0", "-cp", str(JAR),
            "org.saifengine.cli.Main", *map(str, args)]


def run_timed(args, log):
    t0 = time.monotonic()
    with open(log, "w") as err:
        p = subprocess.run(cmd(*args), stdout=subprocess.DEVNULL, stderr=err, timeout=600)
    assert p.returncode == 0, f"{args} failed:\n{open(log).read()[-2000:]}"
    return time.monotonic() - t0


def run_with_kills(args, base_seconds, progress_saved, rng, log):
    """Kills the command KILLS times at random points of a run as long as the uninterrupted one, rerunning it after
    each kill, then lets it finish. Returns how many kills hit while progress was already on disk."""
    kills = hits = 0
    while True:
        with open(log, "a") as err:
            p = subprocess.Popen(cmd(*args), stdout=subprocess.DEVNULL, stderr=err)
            if kills < KILLS:
                try:
                    p.wait(timeout=rng.uniform(0.5, 0.95) * base_seconds)
                except subprocess.TimeoutExpired:
                    saved = progress_saved()
                    p.send_signal(signal.SIGKILL)
                    p.wait()
                    kills += 1
                    hits += saved
                    continue
            else:
                p.wait(timeout=600)
        assert p.returncode == 0, f"rerun of {args} failed:\n{open(log).read()[-2000:]}"
        return hits


def same_files(a, b, names):
    for n in names:
        assert (b / n).read_bytes() == (a / n).read_bytes(), f"{n} differs after kill -9 and resume"


@pytest.fixture(scope="module")
def env(shared, tmp_path_factory):
    return {"tmp": tmp_path_factory.mktemp("resume"), "rng": random.Random(SEED),
            "model": shared / "models/stories260K", "corpus": shared / "data/text/tinystories_sample.txt"}


def train_args(env, out):
    # A buffer smaller than the corpus, so the activation stream refills (and reshuffles) many times.
    return ["sae", "train", "--model", env["model"], "--hook", "blocks.2.hook_resid_post", "--d-sae", 128, "--k", 4,
            "--out", out, "--tokens", 15000, "--batch-size", 128, "--context", 64, "--corpus", env["corpus"],
            "--generate-tokens", 0, "--eval-tokens", 200, "--buffer-tokens", 512, "--checkpoint-every", 8,
            "--seed", 3, "--resume"]


@pytest.fixture(scope="module")
def trained(env):
    out = env["tmp"] / "sae-base"
    return out, run_timed(train_args(env, out), env["tmp"] / "train-base.log")


def find_args(env, sae, out):
    return ["saif", "find", "--model", env["model"], "--sae", sae, "--task", "translate-fr", "--out", out,
            "--k", 3, "--discovery", 8, "--tau", 0, "--rho", 1]


@pytest.fixture(scope="module")
def found(env, trained):
    out = env["tmp"] / "find-base"
    return out, run_timed(find_args(env, trained[0], out), env["tmp"] / "find-base.log")


EVAL = ["--contents", 2, "--max-tokens", 6, "--batch", 2, "--k-values", "1,2", "--alpha-values", "2",
        "--layer-values", "none", "--bootstrap", 20]


def test_sae_train_resumes_identically(env, trained):
    base, seconds = trained
    out = env["tmp"] / "sae-killed"
    ckpt = out / "checkpoint" / "checkpoint.safetensors"
    hits = run_with_kills(train_args(env, out), seconds, ckpt.exists, env["rng"], env["tmp"] / "train-killed.log")
    assert hits >= 1, "no kill landed after the first checkpoint: the resume path was not exercised"
    same_files(base, out, ["sae_weights.safetensors", "cfg.json", "metrics.json", "checkpoint/checkpoint.safetensors"])
    assert not list(out.rglob("*.tmp")), "a temporary file was left behind"


def test_saif_find_resumes_identically(env, trained, found):
    base, seconds = found
    out = env["tmp"] / "find-killed"
    hits = run_with_kills(find_args(env, trained[0], out), seconds, (out / "find-checkpoint.bin").exists, env["rng"],
                          env["tmp"] / "find-killed.log")
    assert hits >= 1, "no kill landed after a find checkpoint: the resume path was not exercised"
    same_files(base, out, ["latents.json", "directions.safetensors", "config.json"])
    assert not (out / "find-checkpoint.bin").exists()


def test_saif_eval_resumes_identically(env, found):
    find_dir, _ = found
    base, killed = env["tmp"] / "eval-base", env["tmp"] / "eval-killed"
    shutil.copytree(find_dir, base)
    shutil.copytree(find_dir, killed)
    seconds = run_timed(["saif", "eval", "--run", base, *EVAL], env["tmp"] / "eval-base.log")
    results = killed / "results.jsonl"
    hits = run_with_kills(["saif", "eval", "--run", killed, *EVAL], seconds,
                          lambda: results.exists() and results.stat().st_size > 0, env["rng"], env["tmp"] / "eval-killed.log")
    assert hits >= 1, "no kill landed after the first results row: the resume path was not exercised"
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys)), "a results row was written twice"
    base_rows = {r["key"]: r for r in map(json.loads, (base / "results.jsonl").read_text().splitlines())}
    assert {r["key"]: r for r in rows} == base_rows
    same_files(base, killed, ["results.jsonl", "summary.json", "eval-config.json"])
