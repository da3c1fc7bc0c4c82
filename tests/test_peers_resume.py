"""benchmarks/peers/peers.py keeps each finished measurement of a run (issue 9: benchmarks are long jobs): a run killed
with SIGKILL, started again with the same settings, keeps what it measured and measures only the rest. The peers
themselves (llama.cpp, transformers, SAELens) take tens of minutes, so the run here is a stand-in with the same
Steps object and three slow steps that record each time they are measured."""
import json
import pathlib
import signal
import subprocess
import sys
import time

PEERS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "peers"

CHILD = """
import json, pathlib, sys, time
sys.path.insert(0, {peers!r})
from peers import Steps
tmp = pathlib.Path({tmp!r})
steps = Steps(tmp / "run-progress.json", {{"runs": sys.argv[1], "commit": "abc"}})
def measure(name):
    with open(tmp / "measured.log", "a") as f:
        f.write(name + "\\n")
    time.sleep(0.4)
    return {{"median": len(name) * 1.5}}
results = {{k: steps(k, lambda: measure(k)) for k in ("engine F32", "llama.cpp f32", "SAELens encode")}}
(tmp / "report.json").write_text(json.dumps({{"results": results, "kept": steps.kept}}))
steps.finish()
"""


def test_a_killed_peer_run_keeps_its_finished_steps(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(peers=str(PEERS), tmp=str(tmp_path)))
    progress = tmp_path / "run-progress.json"
    p = subprocess.Popen([sys.executable, str(script), "5"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not progress.exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait()
    saved = json.loads(progress.read_text())
    assert list(saved["steps"]) == ["engine F32"], saved  # killed while the second step was being measured

    p = subprocess.run([sys.executable, str(script), "5"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "resuming an interrupted run; kept engine F32" in p.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["kept"] == ["engine F32"]
    assert report["results"] == {"engine F32": {"median": 15.0}, "llama.cpp f32": {"median": 19.5},
                                 "SAELens encode": {"median": 21.0}}
    # measured once each, except the step the kill interrupted
    assert (tmp_path / "measured.log").read_text().split("\n")[:-1] == [
        "engine F32", "llama.cpp f32", "llama.cpp f32", "SAELens encode"]
    assert not progress.exists(), "the progress file is removed once the report is written"
    assert not list(tmp_path.glob("*.tmp"))

    # other settings start over
    (tmp_path / "measured.log").unlink()
    progress.write_text(json.dumps({"settings": {"runs": "3", "commit": "abc"}, "steps": {"engine F32": {"median": 0}}}))
    p = subprocess.run([sys.executable, str(script), "5"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "starting over" in p.stderr, p.stderr
    assert json.loads((tmp_path / "report.json").read_text())["kept"] == []
