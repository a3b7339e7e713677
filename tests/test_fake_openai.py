"""The fake OpenAI server, driven by the real openai SDK and LangChain over a real loopback socket."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import fake_openai as fo
import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from reporter.llm.cassette import Cassette
from reporter.llm.protocol import ChatMessage, ModelRequest, ModelResponse

CANARY = "sk-canary-0d1e2f3a4b5c"
ROOT = Path(__file__).resolve().parents[1]


class Lead(BaseModel):
    lead: str
    points: list[str]


def client(fake: fo.FakeOpenAI, retries: int = 0, timeout: float = 10) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.url, api_key=CANARY, max_retries=retries, timeout=timeout)


def ask(c: openai.OpenAI, text: str = "hello", **kw):
    return c.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": text}], **kw)


def test_answers_with_openai_shape_usage_and_records_requests(fake_openai):
    fake_openai.responder = lambda call: f"you said: {call.last_user}"
    result = ask(client(fake_openai), "bonjour", temperature=0)
    assert result.choices[0].message.content == "you said: bonjour"
    assert result.choices[0].finish_reason == "stop"
    assert result.model == "gpt-test"
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    assert len(fake_openai.chat_calls) == 1
    call = fake_openai.chat_calls[0]
    assert call.body["temperature"] == 0
    assert call.headers["authorization"] == f"Bearer {CANARY}"
    assert fake_openai.leaks(CANARY) == []


def test_models_endpoint(fake_openai):
    models = client(fake_openai).models.list()
    assert [m.id for m in models.data] == ["fake-model"]


def test_structured_output_through_the_sdk_parse_helper(fake_openai):
    fake_openai.responder = lambda call: {"lead": "Rates", "points": sorted(call.json_schema["properties"])}
    parsed = client(fake_openai).chat.completions.parse(
        model="gpt-test", messages=[{"role": "user", "content": "x"}], response_format=Lead)
    assert parsed.choices[0].message.parsed == Lead(lead="Rates", points=["lead", "points"])
    assert fake_openai.chat_calls[0].response_format["type"] == "json_schema"


def test_langchain_structured_output_and_plain_chat(fake_openai):
    fake_openai.responder = lambda call: (
        {"lead": call.last_user, "points": []} if call.response_format else "plain answer")
    llm = ChatOpenAI(model="gpt-test", base_url=fake_openai.url, api_key=CANARY, max_retries=0, timeout=10)
    assert llm.invoke([SystemMessage("be brief"), HumanMessage("hi")]).content == "plain answer"
    structured = llm.with_structured_output(Lead, method="json_schema")
    assert structured.invoke([HumanMessage("Rates rose")]) == Lead(lead="Rates rose", points=[])
    json_mode = llm.with_structured_output(Lead, method="json_mode")
    assert json_mode.invoke([HumanMessage("Rates fell, answer in JSON")]).lead == "Rates fell, answer in JSON"
    assert fake_openai.chat_calls[2].response_format == {"type": "json_object"}
    assert fake_openai.leaks(CANARY) == []


def test_streaming_requests_get_server_sent_events(fake_openai):
    fake_openai.responder = lambda call: "streamed text"
    stream = ask(client(fake_openai), stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "streamed text"
    assert chunks[-1].usage.completion_tokens > 0


def test_answers_from_a_cassette_by_messages(tmp_path):
    req = ModelRequest(prompt_name="summary", prompt_version="1", source_id="a", model="gpt-test",
                       messages=[ChatMessage(role="user", content="Summarise A")], params={})
    cassette = Cassette.new("authored")
    cassette.add(req, ModelResponse(text='{"lead": "A"}', model="gpt-test-0613", input_tokens=7,
                                    output_tokens=3))
    path = cassette.save(tmp_path / "c.yaml")
    with fo.FakeOpenAI(cassette=path) as fake:
        result = ask(client(fake), "Summarise A")
        assert result.choices[0].message.content == '{"lead": "A"}'
        assert (result.model, result.usage.prompt_tokens, result.usage.completion_tokens) == (
            "gpt-test-0613", 7, 3)
        with pytest.raises(openai.BadRequestError, match="no scripted answer"):
            ask(client(fake), "Summarise B")
        assert len(fake.misses) == 1


def test_rate_limit_then_success_honours_retry_after(fake_openai):
    fake_openai.responder = lambda call: "finally"
    fake_openai.script(fo.rate_limited(retry_after=0.2))
    start = time.monotonic()
    result = ask(client(fake_openai, retries=2))
    assert result.choices[0].message.content == "finally"
    assert time.monotonic() - start >= 0.2
    assert len(fake_openai.chat_calls) == 2


def test_rate_limit_without_retries_surfaces_429_with_header(fake_openai):
    fake_openai.script(fo.rate_limited(retry_after=3))
    with pytest.raises(openai.RateLimitError) as info:
        ask(client(fake_openai))
    assert info.value.response.headers["retry-after"] == "3"


def test_server_error_then_recovery(fake_openai):
    fake_openai.responder = lambda call: "ok now"
    fake_openai.script(fo.server_error(), fo.server_error(503))
    with pytest.raises(openai.InternalServerError):
        ask(client(fake_openai))
    with pytest.raises(openai.InternalServerError):
        ask(client(fake_openai))
    assert ask(client(fake_openai)).choices[0].message.content == "ok now"


def test_slow_reply_times_out_and_latency_applies_to_all(fake_openai):
    fake_openai.responder = lambda call: "late"
    fake_openai.script(fo.slow(1.0))
    with pytest.raises(openai.APITimeoutError):
        ask(client(fake_openai, timeout=0.3))
    with fo.FakeOpenAI(responder=lambda call: "x", latency_s=0.3) as slow_fake:
        start = time.monotonic()
        ask(client(slow_fake))
        assert time.monotonic() - start >= 0.3


def test_dropped_connection(fake_openai):
    fake_openai.script(fo.dropped())
    with pytest.raises(openai.APIConnectionError):
        ask(client(fake_openai))


def test_malformed_json_body(fake_openai):
    fake_openai.script(fo.malformed_json())
    with pytest.raises((openai.APIResponseValidationError, json.JSONDecodeError, ValueError)):
        ask(client(fake_openai))


def test_truncated_output_and_refusal_in_structured_mode(fake_openai):
    fake_openai.script(fo.truncated(), fo.refusal())
    with pytest.raises(openai.LengthFinishReasonError):
        client(fake_openai).chat.completions.parse(
            model="gpt-test", messages=[{"role": "user", "content": "x"}], response_format=Lead)
    refused = client(fake_openai).chat.completions.parse(
        model="gpt-test", messages=[{"role": "user", "content": "x"}], response_format=Lead)
    assert refused.choices[0].message.refusal.startswith("I'm sorry")
    assert refused.choices[0].message.parsed is None


def test_schema_invalid_output_fails_validation(fake_openai):
    fake_openai.script(fo.schema_invalid())
    with pytest.raises(Exception, match="validation error"):
        client(fake_openai).chat.completions.parse(
            model="gpt-test", messages=[{"role": "user", "content": "x"}], response_format=Lead)


def test_rules_target_matching_requests_only(fake_openai):
    fake_openai.responder = lambda call: "fine"
    fake_openai.on(lambda call: "source-2" in call.text, fo.server_error(), times=1)
    assert ask(client(fake_openai), "about source-1").choices[0].message.content == "fine"
    with pytest.raises(openai.InternalServerError):
        ask(client(fake_openai), "about source-2")
    assert ask(client(fake_openai), "about source-2").choices[0].message.content == "fine"


def test_invented_quotes_replace_every_evidence_text():
    def responder(call):
        return {"discrepancies": [{"title": "t", "evidence": [{"source_id": "a", "text": "real words"}]}],
                "consensus": [{"text": "kept"}]}

    answer = fo.with_invented_quotes(responder)(fo.ChatCall("POST", "/", {}, b""))
    data = json.loads(answer.text)
    assert data["discrepancies"][0]["evidence"][0]["text"] == fo.INVENTED_QUOTE
    assert data["consensus"][0]["text"] == "kept"


def test_leaks_reports_a_key_sent_outside_the_authorization_header(fake_openai):
    fake_openai.responder = lambda call: "x"
    ask(client(fake_openai), f"my key is {CANARY}")
    assert fake_openai.leaks(CANARY) == ["request 0 body"]


def test_standalone_server_serves_a_cassette(tmp_path):
    req = ModelRequest(prompt_name="p", prompt_version="1", model="m",
                       messages=[ChatMessage(role="user", content="ping")])
    cassette = Cassette.new("authored")
    cassette.add(req, ModelResponse(text="pong", model="m"))
    path = cassette.save(tmp_path / "c.yaml")
    command = [sys.executable, "-m", "tests.fake_openai", "--cassette", str(path), "--port", "0"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split(" on ")[1].split()[0]
        with urllib.request.urlopen(f"{url}/models", timeout=5) as resp:
            assert json.load(resp)["data"][0]["id"] == "fake-model"
        body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "ping"}]}).encode()
        post = urllib.request.Request(f"{url}/chat/completions", data=body,
                                      headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(post, timeout=5) as resp:
            assert json.load(resp)["choices"][0]["message"]["content"] == "pong"
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_slow_answers_are_served_concurrently():
    """Four requests are in the server at once: each answer waits until all four have arrived (a barrier, so
    the check does not depend on the machine's speed); a server answering one at a time breaks the barrier."""
    together = threading.Barrier(4, timeout=20)

    def responder(call):
        together.wait()
        return call.last_user

    with fo.FakeOpenAI(responder=responder, latency_s=0.1) as fake:
        c = client(fake, timeout=30)
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda n: ask(c, f"q{n}").choices[0].message.content, range(4)))
    assert answers == ["q0", "q1", "q2", "q3"]
    assert not together.broken


def test_a_server_without_json_schema_support_rejects_it_and_serves_json_mode():
    schema = {"type": "object", "properties": {"lead": {"type": "string"}}}
    with fo.FakeOpenAI(responder=lambda call: {"lead": sorted(call.requested_schema["properties"])[0]},
                       json_schema_supported=False) as fake:
        with pytest.raises(openai.BadRequestError, match="'json_schema' is not supported"):
            client(fake).chat.completions.parse(
                model="gpt-test", messages=[{"role": "user", "content": "x"}], response_format=Lead)
        prompt = f"Answer in JSON following this schema: {json.dumps(schema)} thanks"
        answer = ask(client(fake), prompt, response_format={"type": "json_object"})
        assert json.loads(answer.choices[0].message.content) == {"lead": "lead"}
