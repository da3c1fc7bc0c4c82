"""The server driven by the official openai client (pinned in requirements.lock.txt) on loopback with stories260K.

Outputs are checked against references no one here wrote: Hugging Face transformers runs the same greedy
generation (with a forward hook adding the same steering vector to the block output), the tokenizers library
decodes its ids, and SAELens encodes the residuals for /v1/sae/encode and supplies the decoder rows for latent
steering.
"""
import json

import numpy as np
import openai
import pytest
import torch
from tokenizers import Tokenizer
from transformers import LlamaForCausalLM

import serverutil
from serverutil import D_MODEL, SAE_HOOK, SAE_LAYER, STORIES

PROMPT = "Once upon a time"


@pytest.fixture(scope="module")
def sae_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("sae") / "res2"
    serverutil.make_sae(d, seed=3)
    return d


@pytest.fixture(scope="module")
def server(sae_dir):
    with serverutil.serve("--sae", f"res2={sae_dir}") as s:
        yield s


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def hf():
    model = LlamaForCausalLM.from_pretrained(STORIES, dtype=torch.float32).eval()
    tok = Tokenizer.from_file(str(STORIES / "tokenizer.json"))
    return model, tok


def hf_greedy(hf, text, n, vector=None, layer=SAE_LAYER):
    """Greedy ids by full forward passes; vector (if any) is added to block `layer`'s output at every position."""
    model, tok = hf
    ids = [1] + tok.encode(text, add_special_tokens=False).ids  # stories260K adds BOS
    handle = None
    if vector is not None:
        v = torch.tensor(vector, dtype=torch.float32)

        def add(module, inputs, output):
            if isinstance(output, tuple):
                return (output[0] + v,) + tuple(output[1:])
            return output + v

        handle = model.model.layers[layer].register_forward_hook(add)
    out = []
    try:
        with torch.no_grad():
            for _ in range(n):
                logits = model(torch.tensor([ids + out])).logits[0, -1]
                nxt = int(torch.argmax(logits))
                out.append(nxt)
                if nxt == 2:
                    break
    finally:
        if handle:
            handle.remove()
    return out, tok.decode(out, skip_special_tokens=True)


def test_models_lists_the_model_by_directory_name(client):
    ids = [m.id for m in client.models.list().data]
    assert ids == ["stories260K"]


def test_completion_matches_transformers_greedy(client, hf):
    r = client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=24, temperature=0)
    ids, text = hf_greedy(hf, PROMPT, 24)
    assert r.choices[0].text == text
    assert r.usage.completion_tokens == len(ids)
    assert r.usage.prompt_tokens == 5
    assert r.choices[0].finish_reason == ("stop" if ids[-1] == 2 else "length")


def test_streaming_concatenates_to_the_same_text(client):
    whole = client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=30, temperature=0)
    chunks = list(client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=30, temperature=0,
                                            stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == whole.choices[0].text
    assert chunks[-1].choices[0].finish_reason == whole.choices[0].finish_reason
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    assert len(chunks) >= 10  # really streamed, token by token


def test_chat_completion_uses_the_documented_fallback(client, hf):
    # stories260K has no chat template: the message contents are the prompt (see docs/api.md).
    r = client.chat.completions.create(model="stories260K", messages=[{"role": "user", "content": PROMPT}],
                                       max_tokens=20, temperature=0)
    assert r.choices[0].message.role == "assistant"
    assert r.choices[0].message.content == hf_greedy(hf, PROMPT, 20)[1]
    stream = client.chat.completions.create(model="stories260K", messages=[{"role": "user", "content": PROMPT}],
                                            max_tokens=20, temperature=0, stream=True)
    parts = [c.choices[0].delta.content or "" for c in stream]
    assert "".join(parts) == r.choices[0].message.content


def test_stop_strings_cut_the_text(client):
    full = client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=30, temperature=0).choices[0].text
    word = full.split()[3]
    r = client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=30, temperature=0, stop=[word])
    assert r.choices[0].text == full[:full.index(word)]
    assert r.choices[0].finish_reason == "stop"
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model="stories260K", prompt=PROMPT, max_tokens=30, temperature=0, stop=[word], stream=True))
    assert streamed == r.choices[0].text


def test_seeded_sampling_is_reproducible(client):
    a = client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=20, temperature=0.9, seed=7)
    b = client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=20, temperature=0.9, seed=7)
    assert a.choices[0].text == b.choices[0].text


def test_raw_vector_steering_matches_a_transformers_hook(client, hf):
    rng = np.random.default_rng(0)
    v = (rng.standard_normal(D_MODEL) * 0.8).astype(np.float32)
    strength = 2.5
    r = client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=20, temperature=0, extra_body={
        "steering": {"hook": SAE_HOOK, "vector": v.tolist(), "strength": strength, "positions": "all"}})
    ids, text = hf_greedy(hf, PROMPT, 20, vector=v * strength)
    assert r.choices[0].text == text
    assert text != hf_greedy(hf, PROMPT, 20)[1], "the vector must change the output for this test to mean anything"


def test_sae_latent_steering_equals_its_decoder_direction(client, hf, sae_dir):
    from safetensors.numpy import load_file
    w_dec = load_file(str(sae_dir / "sae_weights.safetensors"))["W_dec"]  # [d_sae, d_in]
    latents = [(5, 6.0), (17, -4.0)]
    r = client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=20, temperature=0, extra_body={
        "steering": {"latents": [{"sae": "res2", "index": j, "strength": s} for j, s in latents]}})
    direction = sum(s * w_dec[j] for j, s in latents)
    assert r.choices[0].text == hf_greedy(hf, PROMPT, 20, vector=direction)[1]


def test_generated_positions_only_leave_the_prompt_alone(client, hf):
    v = np.full(D_MODEL, 0.7, dtype=np.float32).tolist()
    base = dict(model="stories260K", prompt=PROMPT, max_tokens=16, temperature=0)
    ramp = client.completions.create(**base, extra_body={"steering": {
        "layer": SAE_LAYER, "vector": v, "positions": "from-step", "from_step": 100}}).choices[0].text
    assert ramp == hf_greedy(hf, PROMPT, 16)[1]  # steering from step 100 never acts within 16 tokens


def test_sae_encode_matches_saelens_on_transformers_residuals(client, server, hf, sae_dir):
    import httpx
    from sae_lens import SAE
    r = httpx.post(server.url + "/v1/sae/encode", json={"sae": "res2", "input": PROMPT, "top_k": 4}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["hook"] == SAE_HOOK and len(body["tokens"]) == 5
    model, tok = hf
    ids = [1] + tok.encode(PROMPT, add_special_tokens=False).ids
    assert [t["token_id"] for t in body["tokens"]] == ids
    with torch.no_grad():
        h = model(torch.tensor([ids]), output_hidden_states=True).hidden_states[SAE_LAYER + 1][0]
        acts = SAE.load_from_disk(str(sae_dir)).encode(h).numpy()
    for t, row in zip(body["tokens"], acts):
        ref = np.argsort(-row, kind="stable")[:4]
        ref = [int(j) for j in ref if row[j] > 0]
        assert [l["index"] for l in t["latents"]] == ref
        for l in t["latents"]:
            assert l["value"] == pytest.approx(float(row[l["index"]]), rel=1e-4, abs=1e-5)


def test_monitor_streams_latent_activations_per_token(server, client, hf, sae_dir):
    from sae_lens import SAE
    chunks = list(client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=8, temperature=0,
                                            stream=True, extra_body={"monitor": {"sae": "res2", "latents": [3, 5, 9]}}))
    mons = [c.model_extra["monitor"] for c in chunks if c.model_extra.get("monitor")]
    assert len(mons) == 8
    gen = [m["token_id"] for m in mons]
    model, tok = hf
    ids = [1] + tok.encode(PROMPT, add_special_tokens=False).ids
    with torch.no_grad():
        h = model(torch.tensor([ids + gen]), output_hidden_states=True).hidden_states[SAE_LAYER + 1][0]
        acts = SAE.load_from_disk(str(sae_dir)).encode(h).numpy()
    # token k was predicted at position len(prompt)-1+k
    for k, m in enumerate(mons):
        assert m["latents"] == [3, 5, 9]
        ref = acts[len(ids) - 1 + k][[3, 5, 9]]
        np.testing.assert_allclose(m["activations"], ref, rtol=1e-4, atol=1e-5)


def test_saes_are_listed_and_metrics_count_requests(server):
    import httpx
    saes = httpx.get(server.url + "/v1/saes").json()["data"]
    assert saes == [{"id": "res2", "object": "sae", "hook": SAE_HOOK, "d_in": 64, "d_sae": 128}]
    text = httpx.get(server.url + "/metrics").text
    assert 'saif_requests_total{endpoint="/v1/completions",code="200"}' in text
    assert "# TYPE saif_generated_tokens_total counter" in text
    assert httpx.get(server.url + "/health").json()["status"] == "ok"


def test_monitor_top_k_gives_each_tokens_strongest_latents(client, hf, sae_dir):
    from sae_lens import SAE
    chunks = list(client.completions.create(model="stories260K", prompt=PROMPT, max_tokens=6, temperature=0,
                                            stream=True, extra_body={"monitor": {"sae": "res2", "top_k": 3}}))
    mons = [c.model_extra["monitor"] for c in chunks if c.model_extra.get("monitor")]
    assert len(mons) == 6
    model, tok = hf
    ids = [1] + tok.encode(PROMPT, add_special_tokens=False).ids
    with torch.no_grad():
        h = model(torch.tensor([ids + [m["token_id"] for m in mons]]), output_hidden_states=True).hidden_states[SAE_LAYER + 1][0]
        acts = SAE.load_from_disk(str(sae_dir)).encode(h).numpy()
    for k, m in enumerate(mons):
        row = acts[len(ids) - 1 + k]
        ref = [int(j) for j in np.argsort(-row, kind="stable")[:3] if row[j] > 0]
        assert m["latents"] == ref
        np.testing.assert_allclose(m["activations"], row[ref], rtol=1e-4, atol=1e-5)
