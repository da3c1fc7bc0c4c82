"""Malformed and refused requests: each gets the right 4xx with an OpenAI-style JSON error naming the problem, and
the server keeps serving afterwards."""
import concurrent.futures
import json
import time
import subprocess

import httpx
import pytest

import serverutil
from conftest import JAVA_HOME, JVM_FLAGS, JAR
from serverutil import D_MODEL, STORIES

OK_BODY = {"model": "stories260K", "prompt": "Once upon a time", "max_tokens": 4, "temperature": 0}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("sae") / "res2"
    serverutil.make_sae(d, seed=1)
    with serverutil.serve("--sae", f"res2={d}", "--max-body-bytes", "200000", "--max-tokens-limit", "400") as s:
        yield s


def post(server, path, body=None, raw=None, headers=None):
    if raw is not None:
        return httpx.post(server.url + path, content=raw, headers={"Content-Type": "application/json", **(headers or {})}, timeout=30)
    return httpx.post(server.url + path, json=body, headers=headers, timeout=30)


def assert_error(r, status, type_, *words):
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["type"] == type_
    for w in words:
        assert w in err["message"], err["message"]
    return err["message"]


def steer(**s):
    return {**OK_BODY, "steering": s}


VEC = [0.1] * D_MODEL

CASES = [
    ("bad json", dict(raw=b'{"prompt": "x",'), 400, ["not valid JSON"]),
    ("not an object", dict(raw=b'[1, 2]'), 400, ["must be a JSON object"]),
    ("empty body", dict(raw=b''), 400, ["empty"]),
    ("no prompt", dict(body={"max_tokens": 3}), 400, ["prompt is missing"]),
    ("prompt wrong type", dict(body={"prompt": {"a": 1}}), 400, ["prompt must be"]),
    ("token id out of vocabulary", dict(body={"prompt": [1, 99999]}), 400, ["outside the vocabulary"]),
    ("max_tokens too large", dict(body={**OK_BODY, "max_tokens": 100000}), 400, ["max_tokens", "1..400"]),
    ("max_tokens not an integer", dict(body={**OK_BODY, "max_tokens": "ten"}), 400, ["max_tokens must be an integer"]),
    ("temperature NaN", dict(raw=b'{"prompt": "x", "temperature": NaN}'), 400, ["temperature", "finite"]),
    ("n > 1", dict(body={**OK_BODY, "n": 2}), 400, ["n must be 1"]),
    ("unknown SAE", dict(body=steer(latents=[{"sae": "nope", "index": 1, "strength": 2}])), 400,
     ["unknown SAE 'nope'", "res2"]),
    ("latent out of range", dict(body=steer(latents=[{"sae": "res2", "index": 128, "strength": 2}])), 400,
     ["index 128", "[0, 128)"]),
    ("negative latent", dict(body=steer(latents=[{"sae": "res2", "index": -1}])), 400, ["index -1"]),
    ("NaN strength", dict(raw=b'{"prompt": "x", "steering": {"latents": [{"sae": "res2", "index": 1, "strength": NaN}]}}'),
     400, ["strength", "finite", "NaN"]),
    ("infinite strength", dict(raw=b'{"prompt": "x", "steering": {"layer": 1, "vector": [' + b",".join([b"0.1"] * D_MODEL) +
                                   b'], "strength": Infinity}}'), 400, ["strength", "finite"]),
    ("layer out of range", dict(body=steer(layer=9, vector=VEC)), 400, ["layer 9", "layers 0..4"]),
    ("hook layer out of range", dict(body=steer(hook="blocks.5.hook_resid_post", vector=VEC)), 400, ["layers 0..4"]),
    ("bad hook name", dict(body=steer(hook="blocks.1.hook_nothing", vector=VEC)), 400, ["unknown hook point"]),
    ("vector wrong length", dict(body=steer(layer=1, vector=[1.0, 2.0])), 400, ["2 values", "d_model is 64"]),
    ("vector with a string", dict(body=steer(layer=1, vector=["a"] * D_MODEL)), 400, ["vector[0] must be a number"]),
    ("no hook for a raw vector", dict(body=steer(vector=VEC)), 400, ["needs a hook point"]),
    ("empty steering", dict(body=steer()), 400, ["at least one of"]),
    ("bad positions", dict(body=steer(layer=1, vector=VEC, positions="some")), 400, ["positions must be"]),
    ("bad schedule", dict(body=steer(layer=1, vector=VEC, schedule="wobbly")), 400, ["schedule"]),
    ("unknown SAIF run", dict(body=steer(saif_run={"name": "x", "alpha": 1})), 400, ["unknown SAIF run 'x'"]),
    ("a file path is not an SAE name", dict(body=steer(latents=[{"sae": "/etc/passwd", "index": 0}])), 400,
     ["unknown SAE '/etc/passwd'"]),
    ("monitor without stream", dict(body={**OK_BODY, "monitor": {"sae": "res2", "latents": [1]}}), 400, ["stream"]),
    ("over-long prompt", dict(body={**OK_BODY, "prompt": [1] + [300] * 600}), 400, ["prompt has 601 tokens", "at most 511"]),
]


@pytest.mark.parametrize("name,req,status,words", CASES, ids=[c[0] for c in CASES])
def test_bad_completion_requests(server, name, req, status, words):
    assert_error(post(server, "/v1/completions", **req), status, "invalid_request_error", *words)


def test_other_refusals(server):
    assert_error(post(server, "/v1/completions", {**OK_BODY, "model": "gpt-4"}), 404, "not_found_error", "gpt-4", "stories260K")
    assert_error(httpx.get(server.url + "/v1/nothing"), 404, "not_found_error", "/v1/nothing")
    assert_error(httpx.get(server.url + "/v1/completions"), 405, "method_not_allowed", "POST")
    assert_error(post(server, "/v1/completions", raw=b'{"prompt": "' + b"a" * 300000 + b'"}'), 413, "request_too_large", "200000")
    assert_error(post(server, "/v1/chat/completions", {"messages": []}), 400, "invalid_request_error", "messages")
    assert_error(post(server, "/v1/chat/completions", {"messages": [{"content": "hi"}]}), 400, "invalid_request_error", "role is missing")
    assert_error(post(server, "/v1/sae/encode", {"sae": "zzz", "input": "hi"}), 400, "invalid_request_error", "unknown SAE 'zzz'")
    assert_error(post(server, "/v1/sae/encode", {"sae": "res2"}), 400, "invalid_request_error", "input is missing")
    assert_error(httpx.get(server.url + "/v1/saif/runs/none"), 404, "not_found_error", "none")


def test_server_keeps_serving_after_errors(server):
    for raw in [b"{", b"nonsense", b'{"prompt": 5}']:
        post(server, "/v1/completions", raw=raw)
    r = post(server, "/v1/completions", OK_BODY)
    assert r.status_code == 200 and r.json()["choices"][0]["text"]
    metrics = httpx.get(server.url + "/metrics").text
    assert 'saif_requests_total{endpoint="/v1/completions",code="400"}' in metrics


def test_admission_control_answers_429_when_the_kv_budget_is_full():
    with serverutil.serve("--kv-budget-tokens", "450", "--max-tokens-limit", "400") as s:
        # each request reserves 5 + 300 positions: only one fits in 450, so any overlap is refused
        body = {"prompt": "Once upon a time", "max_tokens": 300, "temperature": 0}
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            rs = list(pool.map(lambda _: post(s, "/v1/completions", body), range(12)))
        codes = sorted(r.status_code for r in rs)
        assert set(codes) <= {200, 429} and 200 in codes and 429 in codes, codes
        assert_error(next(r for r in rs if r.status_code == 429), 429, "overloaded_error", "KV-cache budget is full")
        # a request that could never fit is a 400, not a 429
        assert_error(post(s, "/v1/completions", {**body, "max_tokens": 400, "prompt": [1] + [300] * 100}), 400,
                     "invalid_request_error", "whole budget is 450")
        assert post(s, "/v1/completions", body).status_code == 200  # the budget came back


def test_api_key_is_required_when_set():
    with serverutil.serve("--api-key", "s3cret") as s:
        assert_error(post(s, "/v1/completions", OK_BODY), 401, "authentication_error", "missing API key")
        assert_error(post(s, "/v1/completions", OK_BODY, headers={"Authorization": "Bearer nope"}), 401,
                     "authentication_error", "invalid API key")
        assert_error(httpx.get(s.url + "/v1/models"), 401, "authentication_error")
        assert_error(httpx.get(s.url + "/metrics"), 401, "authentication_error")
        assert httpx.get(s.url + "/health").status_code == 200
        r = post(s, "/v1/completions", OK_BODY, headers={"Authorization": "Bearer s3cret"})
        assert r.status_code == 200


def test_binding_a_public_address_needs_a_key():
    p = subprocess.run([f"{JAVA_HOME}/bin/java", *JVM_FLAGS, "-cp", str(JAR), "org.saifengine.cli.Main", "serve",
                        "--model", str(STORIES), "--host", "0.0.0.0", "--port", "0"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "needs an API key" in p.stderr


def metric(server, name):
    text = httpx.get(server.url + "/metrics").text
    return float(next(l.split()[1] for l in text.splitlines() if l.startswith(name + " ")))


def test_a_client_that_disconnects_mid_stream_is_cancelled(server):
    import socket
    before = metric(server, "saif_generated_tokens_total")
    body = json.dumps({"prompt": "Once upon a time", "max_tokens": 400, "temperature": 0, "stream": True,
                       "steering": {"layer": 1, "vector": [0.01] * D_MODEL}}).encode()
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert b"200" in s.recv(4096).split(b"\r\n")[0]  # headers (and maybe a first event) arrived
    # the server notices on its next write, drops the sequence and frees its reservation
    deadline = time.time() + 10
    while time.time() < deadline and (metric(server, "saif_running_sequences") or metric(server, "saif_kv_reserved_tokens")):
        time.sleep(0.05)
    assert metric(server, "saif_running_sequences") == 0
    assert metric(server, "saif_kv_reserved_tokens") == 0
    generated = metric(server, "saif_generated_tokens_total") - before
    print(f"generated {generated} of 400 tokens before the disconnect was seen")
    assert generated < 400
