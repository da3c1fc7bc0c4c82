"""Chat templates: the engine's jinjava rendering vs transformers' apply_chat_template, on 11 conversations for
ChatML (SmolLM2), Llama-3, Gemma-2 (raise_exception on bad roles) and two templates exercising whitespace control,
trim_blocks/lstrip_blocks, namespace() and Python string methods. Equal strings, or an error on both sides."""
import json

import pytest

from conftest import run_engine

transformers = pytest.importorskip("transformers")
from tokenizers import Tokenizer, decoders, models, pre_tokenizers  # noqa: E402

TEMPLATES = {
    "chatml-smollm2": (
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
        "You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}"
        "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"),
    "llama3": (
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' "
        "+ message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 "
        "== 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if "
        "add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"),
    "gemma2": (
        "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
        "{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}"
        "{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"),
    "mistral-like-namespace": """{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'].strip() %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system_message = '' %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- set ns = namespace(turns=0) %}
{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message['role'] == 'user' %}
        {%- set ns.turns = ns.turns + 1 %}
        {%- if loop.first and system_message != '' %}
{{ '[INST] ' + system_message + '\\n\\n' + message['content'].strip() + ' [/INST]' }}
        {%- else %}
{{ '[INST] ' + message['content'].strip() + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'].strip() + eos_token }}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported after the system message') }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt and ns.turns > 0 and messages[-1]['content'].startswith('?') %}
{{- ' (question)' }}
{%- endif %}
""",
    "trim-lstrip-blocks": """{% for message in messages %}
  {% if message.role == 'system' %}
<<SYS>>{{ message.content | trim }}<</SYS>>
  {% else %}
{{ message.role | upper }}: {{ message['content'].lstrip().lower() }}{% if loop.last %} [last]{% endif %}

  {% endif %}
{% endfor %}
{% if add_generation_prompt %}
ASSISTANT:
{% endif %}
""",
    "qwen3-like": """{%- if messages[0].role == 'system' %}
    {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.content is string %}
        {%- set content = message.content %}
    {%- else %}
        {%- set content = '' %}
    {%- endif %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {%- set reasoning_content = '' %}
        {%- if '</think>' in content %}
            {%- set reasoning_content = content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\n') %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index %}
            {%- if loop.last or (not loop.last and reasoning_content) %}
                {{- '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
            {%- else %}
                {{- '<|im_start|>' + message.role + '\n' + content }}
            {%- endif %}
        {%- else %}
            {{- '<|im_start|>' + message.role + '\n' + content }}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\n\n</think>\n\n' }}
    {%- endif %}
{%- endif %}
""",
    "tools-tojson": (
        "{%- for message in messages %}{{- message | tojson }}\n{{- messages[0] | tojson(indent=2) }}"
        "{%- set parts = message['content'].split('\n') %}{{ parts | length }}:{{ parts | tojson }}"
        "{% if message.role in ['user', 'system'] %}U{% endif %}{{ '\n' }}{% endfor %}"),
}

CONVERSATIONS = [
    ([{"role": "user", "content": "Hello!"}], True),
    ([{"role": "user", "content": "Hello!"}], False),
    ([{"role": "system", "content": "  You are terse.  "}, {"role": "user", "content": "Hi"}], True),
    ([{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": " 4 "},
      {"role": "user", "content": "?And 3+3"}], True),
    ([{"role": "user", "content": "  spaced  \n\n"}, {"role": "assistant", "content": "\tok\n"}], False),
    ([{"role": "system", "content": "Sys"}, {"role": "user", "content": "Ünïcödé 🦙 和 日本"},
      {"role": "assistant", "content": "Ответ"}], False),
    ([{"role": "user", "content": "line1\nline2\n  line3"}, {"role": "assistant", "content": "a"},
      {"role": "user", "content": "b"}, {"role": "assistant", "content": "c"}], True),
    ([{"role": "assistant", "content": "I start"}, {"role": "user", "content": "odd order"}], True),
    ([{"role": "user", "content": "{{ not a template }} {% raw %}"}], True),
    ([{"role": "user", "content": ""}, {"role": "assistant", "content": "<|im_end|> inside"}], True),
    ([{"role": "user", "content": "Think first"}, {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nDone."},
      {"role": "user", "content": "<tool_response>42</tool_response>"}], True),
]


def _reference_dir(shared, tmp_path, template):
    tok = Tokenizer(models.BPE.from_file(str(shared / "tokenizers/gpt2/gpt2_vocab.json"),
                                         str(shared / "tokenizers/gpt2/gpt2_merges.txt")))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(["<|endoftext|>", "<|im_end|>"])
    tok.save(str(tmp_path / "tokenizer.json"))
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|endoftext|>", "eos_token": "<|im_end|>",
        "chat_template": template}), encoding="utf-8")
    return tmp_path


def _reference(tok, messages, gen):
    try:
        return {"text": tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)}
    except Exception as e:  # jinja2 TemplateError from raise_exception
        return {"error": str(e)}


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_chat_template_equals_transformers(name, shared, tmp_path):
    directory = _reference_dir(shared, tmp_path, TEMPLATES[name])
    ref_tok = transformers.AutoTokenizer.from_pretrained(str(directory))
    convs = tmp_path / "conversations.jsonl"
    convs.write_text("".join(json.dumps({"messages": m, "add_generation_prompt": g}) + "\n"
                             for m, g in CONVERSATIONS), encoding="utf-8")
    ours = [json.loads(line) for line in
            run_engine("chat-template", "--model", directory, "--file", convs).stdout.splitlines()]
    assert len(ours) == len(CONVERSATIONS)
    rendered = 0
    for (messages, gen), o in zip(CONVERSATIONS, ours):
        ref = _reference(ref_tok, messages, gen)
        if "error" in ref:
            assert "error" in o, f"transformers raised {ref['error']!r} but we rendered {o.get('text')!r}"
            assert ref["error"] in o["error"]
            continue
        assert "text" in o, f"we failed ({o.get('error')}) where transformers rendered {ref['text']!r}"
        assert o["text"] == ref["text"], messages
        rendered += 1
        assert o["ids"] == ref_tok.encode(o["text"], add_special_tokens=False)
    assert rendered >= 6
