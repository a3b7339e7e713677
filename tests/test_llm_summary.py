"""LLM summaries: model lead and points, code-found facts, re-asks, invalid kept, chunking, cache, budget."""

import json

from llm_stub import TEXT_A, Stub, article_of, config, offline, sources

from reporter.errors import ModelError
from reporter.llm.live import StructuredOutputUnsupported
from reporter.llm.run import run_llm
from reporter.llm.summarise import delimiter_for


def _run(tmp_path, stub, **kw):
    srcs = sources()
    window = kw.pop("window_tokens", None)
    return run_llm(srcs, None, offline(srcs), config(tmp_path, **kw), backend=stub, window_tokens=window,
                   show_progress=False)


def test_summary_takes_lead_and_points_from_the_model_and_verbatim_facts_from_code(tmp_path):
    stub = Stub()
    result = _run(tmp_path, stub)
    a = result.summaries[0]
    assert (a.method, a.status, a.headline) == ("llm", "ok", "headline a")
    assert a.lead == "By Ann Lee" and a.key_points == ["quotes: relations are not directed against any third country."]
    assert [q.text for q in a.quotes] == ["relations are not directed against any third country."]
    assert all(TEXT_A[q.start:q.end] == q.text for q in a.quotes)
    assert result.mode == "llm" and result.prompts == {"brief": "2", "summary": "2"}
    assert result.usage.requests == 3 and result.usage.input_tokens == 300
    request = stub.by_prompt("summary")[0]
    assert request.json_schema["required"] == ["lead", "key_points"]
    assert request.json_schema["additionalProperties"] is False


def test_article_is_wrapped_in_its_content_derived_delimiter(tmp_path):
    stub = Stub()
    _run(tmp_path, stub)
    (request,) = [r for r in stub.by_prompt("summary") if r.source_id == "a"]
    delimiter = delimiter_for(TEXT_A)
    assert f"<<<{delimiter}>>>" in request.messages[1].content
    assert delimiter in request.messages[0].content and "never instructions" in request.messages[0].content
    assert delimiter_for(TEXT_A) == delimiter and delimiter_for(TEXT_A + " ") != delimiter


def test_invalid_output_is_reasked_with_the_errors(tmp_path):
    calls = []

    def flaky(request):
        calls.append(request)
        return "{not json" if len(calls) == 1 else {"lead": "x", "key_points": []}

    stub = Stub(summary=flaky)
    result = _run(tmp_path, stub, concurrency=1)
    assert [s.status for s in result.summaries] == ["ok", "ok"]
    assert len(stub.by_prompt("summary")) == 3  # one re-ask for the first article only
    reask = stub.by_prompt("summary")[1]
    assert reask.messages[-2].role == "assistant" and reask.messages[-2].content == "{not json"
    assert reask.messages[-1].content.startswith("Your answer is not valid:")
    assert result.prompts["repair"] == "1"


def test_output_invalid_after_two_reasks_is_kept_and_marked(tmp_path):
    stub = Stub(summary=lambda r: {"lead": "x", "key_points": "not a list"})
    result = _run(tmp_path, stub)
    assert len(stub.by_prompt("summary")) == 2 * 3  # first ask + two re-asks per article
    assert [s.status for s in result.summaries] == ["model output invalid"] * 2
    assert result.summaries[0].lead == "offline lead" and "key_points" in result.summaries[0].error
    assert [(p.source_id, p.step) for p in result.problems] == [("a", "summarise"), ("b", "summarise")]


def test_truncated_and_refused_outputs_count_as_invalid(tmp_path):
    from reporter.llm.protocol import ModelResponse

    replies = iter([ModelResponse(text='{"lead": "cut', model="m", finish_reason="length"),
                    ModelResponse(text="I can't help", model="m", finish_reason="refusal"),
                    ModelResponse(text="{}", model="m", finish_reason="stop")])
    stub = Stub(summary=lambda r: next(replies, {"lead": "x", "key_points": []}))
    result = _run(tmp_path, stub, concurrency=1)
    assert result.summaries[0].status == "model output invalid"
    assert "cut off" in stub.by_prompt("summary")[1].messages[-1].content
    assert "refused" in stub.by_prompt("summary")[2].messages[-1].content
    assert result.summaries[1].status == "ok"


def test_long_article_is_summarised_in_parts(tmp_path):
    long_text = "".join(f"Paragraph {i} says “quote number {i} is here.” and more words follow.\n" for i in range(60))
    from reporter.ingest import source_from_text

    src = source_from_text(long_text, path="long.txt", source_id="long")
    stub = Stub()
    result = run_llm([src], None, [], config(tmp_path), backend=stub, window_tokens=1200, show_progress=False)
    parts = stub.by_prompt("summary")
    assert len(parts) > 1
    assert "".join(article_of(p) for p in parts) == long_text  # consecutive parts, nothing lost
    assert f"(part 1 of {len(parts)};" in parts[0].messages[1].content
    points = result.summaries[0].key_points  # every part's points, in order
    assert points[0] == "quotes: quote number 0 is here." and len(points) == len(parts)
    assert result.summaries[0].lead.startswith("Paragraph 0 says")


def test_second_run_is_answered_from_the_cache(tmp_path):
    first, second = Stub(), Stub()
    r1 = _run(tmp_path, first)
    r2 = _run(tmp_path, second)
    assert r1.usage.requests == 3 and r1.usage.cached == 0
    assert second.requests == [] and r2.usage.requests == 0 and r2.usage.cached == 3
    assert r2.summaries == r1.summaries
    third = Stub()
    _run(tmp_path, third, use_cache=False)
    assert len(third.requests) == 3


def test_request_cap_fails_the_rest_and_the_run_finishes(tmp_path):
    from reporter.config import Limits

    stub = Stub()
    result = _run(tmp_path, stub, concurrency=1, limits=Limits(max_requests=1))
    assert len(stub.requests) == 1
    assert [s.status for s in result.summaries] == ["ok", "failed"]
    assert any("request cap" in p.message for p in result.problems)
    assert any(p.step == "brief" for p in result.problems)


def test_server_without_json_schema_gets_json_mode_with_schema_in_prompt(tmp_path):
    class NoStrict(Stub):
        def complete(self, request):
            if request.params["response_format"] == "json_schema":
                raise StructuredOutputUnsupported("json_schema output rejected: 400")
            return super().complete(request)

    stub = NoStrict()
    result = _run(tmp_path, stub, concurrency=1)
    assert result.summaries[0].status == "ok"
    sent = [r for r in stub.requests if r.params["response_format"] == "json_object"]
    assert len(sent) == 3
    assert json.dumps(sent[0].json_schema, separators=(",", ":")) in sent[0].messages[0].content


def test_model_errors_become_per_article_failures(tmp_path):
    def broken(request):
        raise ModelError("prompt summary for a: HTTP 500 after retries")

    result = _run(tmp_path, Stub(summary=broken))
    assert [s.status for s in result.summaries] == ["failed", "failed"]
    assert "HTTP 500" in result.problems[0].message


def test_record_then_replay_answers_everything_without_the_model(tmp_path):
    import pytest

    from reporter.errors import CassetteMiss

    cassette = tmp_path / "run.yaml"
    recorded = _run(tmp_path, Stub(), record=cassette, use_cache=False)
    replayed = _run(tmp_path, Stub(summary=None, brief=None), replay=cassette)
    assert replayed.mode == "replay" and replayed.summaries == recorded.summaries
    assert replayed.usage.requests == 0 and replayed.usage.input_tokens == recorded.usage.input_tokens
    changed = sources()
    changed[1] = changed[1].model_copy(update={"text": changed[1].text + "One more line.\n"})
    with pytest.raises(CassetteMiss, match="prompt 'summary'.*'b'"):
        run_llm(changed, None, offline(changed), config(tmp_path, replay=cassette), backend=Stub(),
                show_progress=False)


def test_a_run_recorded_in_json_mode_replays(tmp_path):
    class NoStrict(Stub):
        def complete(self, request):
            if request.params["response_format"] == "json_schema":
                raise StructuredOutputUnsupported("json_schema output rejected: 400")
            return super().complete(request)

    cassette = tmp_path / "json-mode.yaml"
    recorded = _run(tmp_path, NoStrict(), record=cassette, use_cache=False, concurrency=1)
    replayed = _run(tmp_path, Stub(summary=None, brief=None), replay=cassette, concurrency=1)
    assert replayed.summaries == recorded.summaries and replayed.event == recorded.event


def test_a_damaged_cache_is_skipped_with_a_warning_not_a_failed_run(tmp_path, capsys):
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / "llm-cache.sqlite3").write_bytes(b"this is not a database" * 100)
    stub = Stub()
    result = _run(tmp_path, stub)
    assert [s.status for s in result.summaries] == ["ok", "ok"] and len(stub.requests) == 3
    assert "continuing without the cache" in capsys.readouterr().err
