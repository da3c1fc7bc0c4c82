"""Tokenizer-from-GGUF oracle: the tokenizer transformers builds from the default GGUF
(AutoTokenizer.from_pretrained(dir, gguf_file=...)) vs ours (engine tokenize / chat-template --model FILE.gguf):
identical ids on >= 500 deterministic strings, identical chat-template text and ids on 10 conversations.
"""
import json
import random

import pytest

from conftest import run_engine


@pytest.fixture(scope="module")
def reference(default_gguf):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(default_gguf.parent, gguf_file=default_gguf.name)


SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<repo_name>", "<file_sep>"]
POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789", " ", "  ", "\n", "\t", "\r\n", ".,;:!?'\"()[]{}<>-_=+*/\\|@#$%^&~`",
    "éèêëàâäôöûüçñßøåæœ", "中文字符测试", "日本語のテキスト", "한국어", "Ωμέγα", "Привет", "مرحبا", "हिन्दी",
    "😀🦙🚀👍🏽", "e\u0301", "\u200b", "'s", "'ll", "'re", " don't", "1234567", "3.14159",
]


def strings(shared):
    """Deterministic inputs: real text (TinyStories, WikiText-2, IFEval prompts) and seeded random mixtures."""
    out = []
    out += [l for l in (shared / "data" / "text" / "tinystories_sample.txt").read_text(encoding="utf-8").split("\n") if l.strip()][:40]
    wiki = (shared / "data" / "text" / "wikitext2_test.txt").read_text(encoding="utf-8").split("\n")
    out += [l for l in wiki if l.strip()][:120]
    with open(shared / "data" / "ifeval" / "input_data.jsonl", encoding="utf-8") as f:
        out += [json.loads(l)["prompt"] for l in f][:120]
    rnd = random.Random(12345)
    for i in range(260):
        parts = []
        for _ in range(rnd.randint(1, 12)):
            r = rnd.random()
            if r < 0.08:
                parts.append(rnd.choice(SPECIALS))
            else:
                pool = rnd.choice(POOLS)
                parts.append("".join(rnd.choice(pool) for _ in range(rnd.randint(1, 8))) if len(pool) > 3 else pool)
        out.append("".join(parts))
    out += ["", " ", "\n\n", "Hello world", " Hello world", "<|im_start|>user\nHi<|im_end|>\n", "a" * 300]
    return out


def test_ids_equal_transformers_on_500_strings(shared, default_gguf, reference, tmp_path):
    texts = strings(shared)
    assert len(texts) >= 500
    f = tmp_path / "in.jsonl"
    f.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
    # blank lines are skipped by the CLI, so send only non-blank-JSON lines (every json.dumps line is non-blank)
    p = run_engine("tokenize", "--model", default_gguf, "--file", f, "--json")
    ours = [json.loads(l)["ids"] for l in p.stdout.splitlines()]
    assert len(ours) == len(texts)
    bad = [(t, o, reference.encode(t)) for t, o in zip(texts, ours) if o != reference.encode(t)]
    assert not bad, f"{len(bad)} of {len(texts)} differ, first: {bad[0]!r}"


CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name three colors."}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
     {"role": "user", "content": "Tell me a joke."}],
    [{"role": "user", "content": "Write a haiku about llamas 🦙."}],
    [{"role": "user", "content": "Translate to German: 'good morning'"}],
    [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "List {a, b}\n\twith tabs"}],
    [{"role": "user", "content": ""}],
    [{"role": "user", "content": "Résumé of 中文 and émojis 😀"}, {"role": "assistant", "content": "Sure."}],
    [{"role": "user", "content": "Line one\nLine two\n\nLine four"}],
    [{"role": "user", "content": "Count: 1 2 3"}, {"role": "assistant", "content": "4 5 6"},
     {"role": "user", "content": "<|im_end|> is a special token"}],
]


@pytest.mark.parametrize("add_generation_prompt", [True, False])
def test_chat_template_equals_transformers(default_gguf, reference, tmp_path, add_generation_prompt):
    f = tmp_path / "chats.jsonl"
    f.write_text("".join(json.dumps({"messages": c, "add_generation_prompt": add_generation_prompt}) + "\n"
                         for c in CONVERSATIONS), encoding="utf-8")
    p = run_engine("chat-template", "--model", default_gguf, "--file", f)
    ours = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(ours) == 10
    for conv, o in zip(CONVERSATIONS, ours):
        text = reference.apply_chat_template(conv, tokenize=False, add_generation_prompt=add_generation_prompt)
        assert o["text"] == text, conv
        assert o["ids"] == reference.encode(text, add_special_tokens=False), conv
