"""Chat completions on a model with a chat template (the default SmolLM2-135M-Instruct GGUF): the messages are
rendered by the template, and the prompt the server feeds is exactly what transformers' apply_chat_template gives."""

import openai
import pytest

import serverutil


def test_chat_uses_the_models_template(default_gguf):
    from transformers import AutoTokenizer
    reference = AutoTokenizer.from_pretrained(default_gguf.parent, gguf_file=default_gguf.name)
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "What is the capital of France?"}]
    want = reference.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    if isinstance(want, dict) or hasattr(want, "input_ids"):
        want = want["input_ids"]
    with serverutil.serve(model="default") as s:
        client = openai.OpenAI(base_url=s.url + "/v1", api_key="unused", max_retries=0, timeout=300)
        assert client.models.list().data[0].id == "SmolLM2-135M-Instruct.Q4_1"
        r = client.chat.completions.create(model="SmolLM2-135M-Instruct.Q4_1", messages=messages, max_tokens=12,
                                           temperature=0)
        assert r.usage.prompt_tokens == len(want)
        assert "Paris" in r.choices[0].message.content
        assert r.choices[0].finish_reason == "stop"  # ended by the template's end-of-turn token, not the budget
        # the same ids as a completion prompt give the same continuation
        c = client.completions.create(model="SmolLM2-135M-Instruct.Q4_1", prompt=list(want), max_tokens=12, temperature=0)
        assert c.choices[0].text == r.choices[0].message.content
