"""kill -9 and resume (issue 9): `sae train`, `saif find` and `saif eval` on stories260K, each run once uninterrupted,
then again in a fresh directory killed with SIGKILL at seeded-random times and rerun (the same command) until it
completes. The final files must be byte-identical to the uninterrupted run's, results.jsonl without a duplicated or
missing row. Tiny budgets keep the whole module around a minute."""
import json
import os
import resource
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
    """Kills the command KILLS times with SIGKILL, rerunning it after each kill, then lets it finish. The first kill
    comes a seeded-random moment (up to 10% of the uninterrupted run's time) after the first progress reached the
    disk, so that the resume path is always exercised; the others at seeded-random points of a whole run (30-95%).
    Returns how many kills hit while progress was on disk."""
    kills = hits = 0
    while True:
        with open(log, "a") as err:
            p = subprocess.Popen(cmd(*args), stdout=subprocess.DEVNULL, stderr=err)
            if kills < KILLS:
                if kills == 0:
                    while not progress_saved() and p.poll() is None:
                        time.sleep(0.01)
                    delay = rng.uniform(0, 0.1) * base_seconds
                else:
                    delay = rng.uniform(0.3, 0.95) * base_seconds
                try:
                    p.wait(timeout=delay)
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


# ---- full disk and read-only output (issue 9): one clear error naming the file, nothing earlier lost, and a rerun
# with room resumes to the same result. The full disk is simulated without privileges by RLIMIT_FSIZE: the JVM
# ignores SIGXFSZ, so a write past the limit fails with EFBIG ("File too large") as ENOSPC would.

def run_limited(args, max_file_bytes, log):
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))
    with open(log, "w") as err:
        p = subprocess.run(cmd(*args), stdout=subprocess.DEVNULL, stderr=err, timeout=600, preexec_fn=limit)
    return p.returncode, open(log).read()


def the_error(stderr):
    lines = [l for l in stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, stderr[-3000:]
    return lines[0]


def snapshot(d):
    return {p.relative_to(d): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_sae_train_on_a_full_disk_keeps_its_checkpoint_and_resumes(env, trained):
    base, seconds = trained
    out = env["tmp"] / "sae-full"
    ckpt = out / "checkpoint" / "checkpoint.safetensors"
    # A first run killed once a checkpoint exists, so there is earlier work to lose.
    while True:
        p = subprocess.Popen(cmd(*train_args(env, out)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 600
        while not ckpt.exists() and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.wait()
        if not (out / "sae_weights.safetensors").exists():
            break
        shutil.rmtree(out)  # it finished before the kill; try again (the kill is then sooner relative to the run)
    before = snapshot(out)
    assert before, "no checkpoint was written before the kill"
    # The checkpoint (~200 KB) no longer fits: every later checkpoint write fails.
    rc, err = run_limited(train_args(env, out), 64 * 1024, env["tmp"] / "sae-full.log")
    assert rc != 0
    msg = the_error(err)
    assert msg.startswith(f"error: cannot write {ckpt}: File too large"), msg
    assert snapshot(out) == before, "the earlier checkpoint changed or a temporary file was left"
    run_timed(train_args(env, out), env["tmp"] / "sae-full-rerun.log")
    same_files(base, out, ["sae_weights.safetensors", "cfg.json", "metrics.json"])


@pytest.fixture(scope="module")
def eval_base(env, found):
    base = env["tmp"] / "eval-base2"
    shutil.copytree(found[0], base)
    run_timed(["saif", "eval", "--run", base, *EVAL], env["tmp"] / "eval-base2.log")
    return base


def test_saif_eval_on_a_full_disk_keeps_its_rows_and_resumes(env, found, eval_base):
    run = env["tmp"] / "eval-full"
    shutil.copytree(found[0], run)
    results = run / "results.jsonl"
    full = (eval_base / "results.jsonl").read_bytes()
    limit = len(full) // 3  # room for a few rows only; the limit cuts a row in the middle
    rc, err = run_limited(["saif", "eval", "--run", run, *EVAL], limit, env["tmp"] / "eval-full.log")
    assert rc != 0
    msg = the_error(err)
    assert msg.startswith(f"error: cannot write {results}: File too large"), msg
    kept = results.read_bytes()
    assert 0 < len(kept) <= limit and full.startswith(kept), "rows written before the disk filled must be intact"
    run_timed(["saif", "eval", "--run", run, *EVAL], env["tmp"] / "eval-full-rerun.log")
    assert results.read_bytes() == full, "the resumed eval must cut the torn row and finish identically"
    same_files(eval_base, run, ["summary.json"])


def read_only(directory):
    """A way to make directory read-only for the engine: chmod when not root, else a read-only bind mount in a private
    mount namespace (root ignores permission bits). Returns a command prefix, or skips with the reason."""
    if os.geteuid() != 0:
        directory.chmod(0o555)
        return []
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            f"mount --bind '{directory}' '{directory}' && mount -o remount,ro,bind '{directory}'"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("running as root (permission bits do not bind) and no mount namespace for a read-only bind mount: "
                    + probe.stderr.strip())
    return ["unshare", "-m", "sh", "-c",
            f"mount --bind '{directory}' '{directory}' && mount -o remount,ro,bind '{directory}' && exec \"$@\"", "sh"]


def test_saif_eval_into_a_read_only_run_fails_clearly_and_loses_nothing(env, found, eval_base):
    run = env["tmp"] / "eval-ro"
    shutil.copytree(found[0], run)
    # Half the rows first, so that there are results to keep.
    args = ["saif", "eval", "--run", run, *EVAL]
    run_timed([*args, "--stop-after", 10], env["tmp"] / "eval-ro-first.log")
    before = snapshot(run)
    prefix = read_only(run)
    try:
        with open(env["tmp"] / "eval-ro.log", "w") as err:
            p = subprocess.run([*prefix, *cmd(*args)], stdout=subprocess.DEVNULL, stderr=err, timeout=600)
        stderr = open(env["tmp"] / "eval-ro.log").read()
    finally:
        run.chmod(0o755)
    assert p.returncode != 0
    msg = the_error(stderr)
    assert msg.startswith(f"error: cannot write {run}"), msg
    assert "Read-only file system" in msg or "permission denied" in msg, msg
    assert snapshot(run) == before, "a read-only run directory must be left exactly as it was"
    run_timed(args, env["tmp"] / "eval-ro-rerun.log")
    assert (run / "results.jsonl").read_bytes() == (eval_base / "results.jsonl").read_bytes()
