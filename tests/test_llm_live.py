"""The live backend over a real socket (fake server on 127.0.0.1): answers, retries and faults."""

import time

import pytest
from fake_openai import Reply, dropped, malformed_json, ok, rate_limited, refusal, server_error, slow, truncated
from pydantic import SecretStr

from reporter.config import Config
from reporter.errors import ModelError
from reporter.llm.live import LiveBackend, StructuredOutputUnsupported
from reporter.llm.protocol import ChatMessage, ModelRequest
from reporter.llm.schemas import SummaryOutput, json_schema_for

ANSWER = {"lead": "x", "key_points": []}


def _request(mode: str = "json_schema") -> ModelRequest:
    return ModelRequest(prompt_name="summary", prompt_version="1", source_id="a", model="gpt-4o-mini",
                        messages=[ChatMessage(role="system", content="s"), ChatMessage(role="user", content="u")],
                        schema_name="SummaryOutput", json_schema=json_schema_for(SummaryOutput),
                        params={"temperature": 0, "response_format": mode})


def _backend(fake, **kw) -> LiveBackend:
    return LiveBackend(Config(base_url=fake.url, api_key=SecretStr("sk-test"), **{"max_retries": 1, **kw}))


def test_answer_usage_and_strict_schema_travel(fake_openai):
    fake_openai.script(ok(ANSWER, input_tokens=321, output_tokens=12))
    response = _backend(fake_openai).complete(_request())
    assert (response.input_tokens, response.output_tokens, response.finish_reason) == (321, 12, "stop")
    assert SummaryOutput.model_validate_json(response.text).lead == "x"
    body = fake_openai.chat_calls[0].body
    assert body["response_format"]["json_schema"]["strict"] is True and body["temperature"] == 0


def test_rate_limit_is_retried_after_the_servers_delay(fake_openai):
    fake_openai.script(rate_limited(0.3), ok(ANSWER))
    started = time.perf_counter()
    response = _backend(fake_openai).complete(_request())
    assert time.perf_counter() - started >= 0.3
    assert len(fake_openai.chat_calls) == 2 and response.finish_reason == "stop"


def test_json_mode_request_and_schema_rejection(fake_openai):
    fake_openai.script(Reply(status=400, error="Invalid parameter: 'response_format' of type 'json_schema'"),
                       ok(ANSWER))
    backend = _backend(fake_openai)
    with pytest.raises(StructuredOutputUnsupported):
        backend.complete(_request())
    backend.complete(_request("json_object"))
    assert fake_openai.chat_calls[1].body["response_format"] == {"type": "json_object"}


def test_truncated_and_refused_answers_are_returned_marked(fake_openai):
    fake_openai.script(truncated('{"lead": "cut'), refusal("No."))
    backend = _backend(fake_openai)
    cut = backend.complete(_request())
    assert (cut.finish_reason, cut.text) == ("length", '{"lead": "cut')
    refused = backend.complete(_request())
    assert (refused.finish_reason, refused.text) == ("refusal", "No.")


@pytest.mark.parametrize(("reply", "retries", "message"), [
    (server_error(500), 0, r"answered HTTP 500 server_error: The server had an error \(fake\)$"),
    (server_error(500), 1, r"answered HTTP 500 server_error: The server had an error \(fake\) \(after 1 retry\)"),
    (malformed_json(), 0, "malformed reply"),
    (dropped(), 0, "connection to .* failed: "),
    (dropped(), 2, "connection to .* failed after 2 retries"),
])
def test_persistent_faults_become_one_line_model_errors(fake_openai, reply, retries, message):
    fake_openai.on(lambda call: True, reply, times=None)
    with pytest.raises(ModelError, match=message) as caught:
        _backend(fake_openai, max_retries=retries).complete(_request())
    assert "sk-test" not in str(caught.value) and "prompt summary for a" in str(caught.value)
    assert ("after" in str(caught.value)) == (retries > 0)  # "after N retries" only when retries happened
    assert len(fake_openai.chat_calls) == retries + 1


def test_slow_local_server_is_asked_again_once_and_the_message_names_the_flag(fake_openai):
    fake_openai.script(slow(2.0), slow(2.0), slow(2.0))
    with pytest.raises(ModelError, match=r"no answer .* within 0.3 s after 1 retry; .*--timeout"):
        _backend(fake_openai, max_retries=3, timeout_s=0.3).complete(_request())
    assert len(fake_openai.chat_calls) == 2  # a local server is likely still computing it: one more copy at most


def test_other_providers_need_their_langchain_package():
    from reporter.errors import ConfigError

    with pytest.raises(ConfigError, match="langchain-anthropic"):
        LiveBackend(Config(model="anthropic:claude-x", api_key=SecretStr("k")))
