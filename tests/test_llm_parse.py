"""Tolerant reading of model answers (reporter/llm/parse.py) and model-name and parameter rules."""

import pytest

from reporter.llm.names import split_model
from reporter.llm.parse import parse_output, strip_reasoning
from reporter.llm.profile import base_params, is_reasoning_model
from reporter.llm.schemas import SummaryOutput
from reporter.llm.server import is_local, server_root

GOOD = '{"lead": "Rates fell.", "key_points": ["The bank cut rates."]}'


@pytest.mark.parametrize("answer", [
    GOOD,
    f"<think>\nThe user wants JSON {{not this}}.\n</think>\n\n{GOOD}",
    f"Okay, let me think {{ step }} by step.\n</think>\n{GOOD}",  # the template opened <think> itself
    f"Sure! Here is the JSON:\n\n```json\n{GOOD}\n```\n\nLet me know if you need more.",
    f'{{"note": "draft"}} and the answer: {GOOD}',  # the first value that validates wins
    f'{{"SummaryOutput": {GOOD}}}',  # a one-key envelope
    f"[{GOOD}]",
    '{"lead": "Rates fell.", "key_points": ["The bank cut rates.",],}',  # trailing commas: json-repair
    "{'lead': 'Rates fell.', 'key_points': ['The bank cut rates.']}",  # single quotes: json-repair
    '```json\n{"lead": "Rates fell.", "key_points": ["The bank cut rates."]',  # cut-off fence and bracket
])
def test_wrapped_answers_are_read(answer):
    result = parse_output(answer, SummaryOutput)
    assert isinstance(result, SummaryOutput), result
    assert result.lead == "Rates fell." and result.key_points == ["The bank cut rates."]


@pytest.mark.parametrize(("answer", "message"), [
    ('{"lead": "x"}', "key_points: Field required"),
    ("I cannot summarise this article.", "holds no JSON object"),
    ("<think>long reasoning</think>", "empty after the reasoning block"),
])
def test_unusable_answers_say_what_is_wrong(answer, message):
    result = parse_output(answer, SummaryOutput)
    assert isinstance(result, str) and message in result


def test_reasoning_blocks_are_stripped():
    assert strip_reasoning("<think>a</think>b<thinking>c</thinking>d") == "bd"
    assert strip_reasoning("reasoning only ends here</think> answer") == "answer"


@pytest.mark.parametrize(("name", "base_url", "expected"), [
    ("qwen3:8b", None, ("openai", "qwen3:8b")),
    ("gemma3:4b", "http://127.0.0.1:11434/v1", ("openai", "gemma3:4b")),
    ("llama3.1:8b", None, ("openai", "llama3.1:8b")),
    ("anthropic:claude-x", None, ("anthropic", "claude-x")),
    ("ollama:qwen3:8b", None, ("ollama", "qwen3:8b")),
    ("ollama:qwen3:8b", "http://127.0.0.1:11434/v1", ("openai", "ollama:qwen3:8b")),  # a server's own name
    ("openai:gpt-4o-mini", "http://example.test/v1", ("openai", "gpt-4o-mini")),
])
def test_a_tag_is_part_of_the_model_name(name, base_url, expected):
    assert split_model(name, base_url) == expected


@pytest.mark.parametrize(("model", "reasoning"), [
    ("o1", True), ("o3-mini", True), ("o4-mini", True), ("o4-mini-2025-04-16", True), ("gpt-5", True),
    ("gpt-5-mini", True), ("gpt-4o-mini", False), ("gpt-4.1", False), ("qwen3:8b", False), ("olmo-2", False),
])
def test_reasoning_models_by_name(model, reasoning):
    assert is_reasoning_model(model) is reasoning
    params = base_params(model, "high")
    assert ("temperature" not in params) is reasoning and params["reasoning_effort"] == "high"


@pytest.mark.parametrize(("url", "local"), [
    ("http://127.0.0.1:11434/v1", True), ("http://localhost:8000/v1", True), ("http://192.168.1.20:1234/v1", True),
    ("http://10.0.0.5:8080", True), ("http://gpu-box.local:8000/v1", True), ("https://api.openai.com/v1", False),
    ("https://example.test/v1", False), (None, False),
])
def test_local_servers_are_recognised(url, local):
    assert is_local(url) is local


def test_native_endpoints_live_beside_v1():
    assert server_root("http://127.0.0.1:11434/v1/") == "http://127.0.0.1:11434"
    assert server_root("http://h:8080") == "http://h:8080"
