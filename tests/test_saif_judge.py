"""`saif eval` with a judge on stories260K: the engine's own server as an OpenAI-compatible judge (--judge-url) and a
model path (--judge). stories260K cannot follow the judge prompt, so its answers are mostly unparseable: the test
checks that every row carries the verdict fields, that parsed and unparsed answers are counted, and that nothing
crashes; verdict parsing itself is checked in JudgeVerdictTest and HttpJudgeTest."""
import json

import pytest

import serverutil
from conftest import run_engine
from serverutil import STORIES

EVAL = ["--contents", "2", "--max-tokens", "8", "--no-sweeps", "--bootstrap", "50", "--judge-max-tokens", "12"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("saif-judge")
    run = serverutil.make_saif_run(tmp)
    return run


def fresh_copy(run_dir, tmp_path):
    import shutil
    dst = tmp_path / "run"
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(run_dir, dst)
    return dst


def check_rows(run, judge_id_part):
    rows = [json.loads(l) for l in (run / "results.jsonl").read_text().splitlines() if l]
    assert rows
    for r in rows:
        assert {"strict", "loose", "judge_parsed", "judge_strict", "judge_loose", "judge_answer"} <= r.keys()
        assert isinstance(r["judge_answer"], str)
        if r["judge_parsed"]:
            assert isinstance(r["judge_strict"], bool) and isinstance(r["judge_loose"], bool)
        else:
            assert r["judge_strict"] is None and r["judge_loose"] is None
    summary = json.loads((run / "summary.json").read_text())
    for name, c in summary["conditions"].items():
        n_rows = sum(1 for r in rows if r["condition"] == name)
        n_parsed = sum(1 for r in rows if r["condition"] == name and r["judge_parsed"])
        assert c["judge_n"] == n_parsed and c["judge_unparsed"] == n_rows - n_parsed
        assert ("judge_strict" in c) == (n_parsed > 0)
    cfg = json.loads((run / "eval-config.json").read_text())
    assert judge_id_part in cfg["judge"]["id"] and len(cfg["judge"]["prompt_sha256"]) == 64
    assert "judge" in (run / "report.html").read_text()
    return rows


def test_judge_by_url_with_the_engine_server_and_by_model_path(run_dir, tmp_path):
    by_url = fresh_copy(run_dir, tmp_path / "url")
    with serverutil.serve() as s:
        out = run_engine("saif", "eval", "--run", by_url, *EVAL, "--judge-url", s.url).stdout
        url_rows = check_rows(by_url, "/v1/chat/completions")
        assert "judge strict" in out and "unparsed" in out
        # rerun: complete, resumes to the same file
        before = (by_url / "results.jsonl").read_text()
        run_engine("saif", "eval", "--run", by_url, *EVAL, "--judge-url", s.url)
        assert (by_url / "results.jsonl").read_text() == before
    # another judge on the same results is refused
    other = run_engine("saif", "eval", "--run", by_url, *EVAL, "--judge", STORIES, check=False)
    assert other.returncode != 0 and "other settings" in other.stderr

    by_model = fresh_copy(run_dir, tmp_path / "model")
    out = run_engine("saif", "eval", "--run", by_model, *EVAL, "--judge", STORIES).stdout
    model_rows = check_rows(by_model, "stories260K")
    assert "judge strict" in out
    # the same greedy model answers the same, in-process or behind the server (no chat template: the prompt as is)
    assert [r["output"] for r in model_rows] == [r["output"] for r in url_rows]
    assert [r["judge_answer"] for r in model_rows] == [r["judge_answer"] for r in url_rows]
    assert any(r["judge_answer"].strip() for r in model_rows)


def test_judge_errors_are_one_clear_line(run_dir, tmp_path):
    run = fresh_copy(run_dir, tmp_path)
    both = run_engine("saif", "eval", "--run", run, *EVAL, "--judge", STORIES, "--judge-url", "http://127.0.0.1:9", check=False)
    assert both.returncode != 0 and "not both" in both.stderr
    down = run_engine("saif", "eval", "--run", run, *EVAL, "--judge-url", "http://127.0.0.1:9", check=False)
    assert down.returncode != 0 and "error:" in down.stderr and "judge" in down.stderr
