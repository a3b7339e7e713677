"""Adaptive concurrency: fast servers are used fully, rate limits and single-slot servers lose nothing."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import httpx
import pytest
from pydantic import SecretStr

from reporter.config import Config
from reporter.ingest import source_from_text
from reporter.llm.pacing import PacedBackend, Pacer, is_rate_limit, parse_duration, pause_for
from reporter.pipeline import build_brief
from tests.fake_openai import FakeOpenAI, RateBudget, ok

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_reset_durations_as_openai_writes_them():
    assert parse_duration("6m0s") == 360
    assert parse_duration("1.5s") == 1.5
    assert parse_duration("20ms") == pytest.approx(0.02)
    assert parse_duration("1h2m3s") == 3723
    assert parse_duration("7") == 7
    assert parse_duration("soon") is None and parse_duration(None) is None
    assert pause_for({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert pause_for({"x-ratelimit-reset-tokens": "2.5s"}) == 2.5
    assert pause_for({}) == 1.0


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _response(status: int, **headers: str) -> SimpleNamespace:
    return SimpleNamespace(status_code=status, headers=headers)


def test_limit_rises_while_the_server_keeps_up_and_falls_when_answers_queue():
    pacer = Pacer(start=4, ceiling=16)
    for _ in range(4):  # every slot in use, answers as fast as the fastest: slow start, one more per answer
        pacer.in_flight = pacer.allowed
        pacer.answered(1.0)
    assert pacer.allowed == 8
    pacer.in_flight = 8
    pacer.answered(3.0)  # three times the fastest answer: requests are waiting in a queue
    assert pacer.allowed == 6 and not pacer.slow_start
    for _ in range(200):
        pacer.in_flight = pacer.allowed
        pacer.answered(1.0)
    assert pacer.allowed == 16  # additive increase up to the ceiling, never beyond


def test_a_longer_kind_of_request_is_compared_with_its_own_kind():
    """Brief requests (long answers) leave while summaries are still out: their answers are slower than
    the fastest summary, which is no sign of queueing, so they must not lower the limit."""
    pacer = Pacer(start=4, ceiling=16)
    for _ in range(4):
        pacer.in_flight = pacer.allowed
        pacer.answered(1.0, kind="summary")
    assert pacer.allowed == 8
    pacer.in_flight = 8
    pacer.answered(5.0, kind="brief")  # the first brief answer: the fastest of its kind
    pacer.answered(5.5, kind="brief")
    assert pacer.allowed >= 8
    pacer.answered(3.0, kind="summary")  # a summary three times slower than the fastest summary: queueing
    assert pacer.allowed < 8


def test_a_429_halves_the_limit_and_pauses_every_new_request():
    clock = _Clock()
    pacer = Pacer(start=8, ceiling=16, clock=clock)
    pacer.in_flight = 8
    pacer.observe(_response(429, **{"x-ratelimit-reset-tokens": "3s"}))
    assert pacer.allowed == 4 and pacer.paused_until == 103.0 and pacer.rate_limited == 1
    pacer.in_flight = 0
    entered = threading.Event()

    def worker():
        with pacer.slot():
            entered.set()

    thread = threading.Thread(target=worker)
    thread.start()
    assert not entered.wait(0.2)  # paused
    clock.now = 103.5
    with pacer._cond:
        pacer._cond.notify_all()
    assert entered.wait(2)
    thread.join()


def test_remaining_headers_keep_the_limit_within_the_window():
    clock = _Clock()
    pacer = Pacer(start=8, ceiling=16, clock=clock)
    pacer.answered(1.0, tokens=1000)
    pacer.observe(_response(200, **{"x-ratelimit-remaining-requests": "100", "x-ratelimit-remaining-tokens": "3000"}))
    assert pacer.allowed == 3  # 3000 tokens left at about 1000 a request
    pacer.observe(_response(200, **{"x-ratelimit-remaining-tokens": "400", "x-ratelimit-reset-tokens": "2s"}))
    assert pacer.allowed == 1 and pacer.paused_until == 102.0  # nothing left: wait for the reset, not a 429


def test_an_exhausted_quota_is_not_retried():
    class Quota(Exception):
        status_code = 429
        body = {"code": "insufficient_quota", "type": "insufficient_quota"}

    class Limited(Exception):
        status_code = 429
        body = {"code": "rate_limit_exceeded", "type": "tokens"}

    def wrapped(cause):
        from reporter.errors import ModelError

        try:
            raise ModelError("HTTP 429 after retries") from cause
        except ModelError as exc:
            return exc

    assert is_rate_limit(wrapped(Limited())) and not is_rate_limit(wrapped(Quota()))

    calls = []

    class Backend:
        def complete(self, request):
            calls.append(request)
            raise wrapped(Quota())

    from reporter.errors import ModelError

    with pytest.raises(ModelError):
        PacedBackend(Backend(), Pacer()).complete(object())
    assert len(calls) == 1


def _sources(n: int) -> list:
    body = ("Officials in {0} said on Monday that the coastal bridge would reopen in March after repairs. "
            "The transport minister said the work had cost 40 million dollars and taken two years.\n")
    return [source_from_text(body.format(f"town {i}") * 3, path=f"town{i}.txt") for i in range(n)]


def _responder(call):
    from bench.llm_efficiency import responder

    return responder(call)


def test_no_429_loses_a_summary_under_a_per_minute_token_budget(tmp_path):
    # A budget for about four requests at once, refilled over a 3 s "minute": a fixed 16 workers would run
    # into 429s the SDK's own three retries can't outlast; the pacer waits them out instead.
    budget = RateBudget(tokens_per_minute=4000, window_s=3.0)
    with FakeOpenAI(responder=_responder, budget=budget, latency_s=0.05) as fake:
        config = Config(base_url=fake.url, api_key=SecretStr("sk-test"), cache_dir=tmp_path / "cache",
                        max_retries=1)
        brief = build_brief(_sources(16), config)
    failed = [p for p in brief.problems if p.step in ("summarise", "brief")]
    assert failed == [] and {s.method for s in brief.summaries} == {"llm"}
    # every request the budget refused was asked again (the pacer's headroom may avoid some 429s altogether)
    assert len(fake.chat_calls) >= 16 + 1 + budget.refused


def test_a_429_the_client_gave_up_on_delays_the_request_instead_of_losing_it(tmp_path):
    from tests.fake_openai import rate_limited

    with FakeOpenAI(responder=_responder) as fake:
        fake.script(rate_limited(0.2), rate_limited(0.2), rate_limited(0.2))  # no SDK retries (max_retries=0)
        config = Config(base_url=fake.url, api_key=SecretStr("sk-test"), cache_dir=tmp_path / "cache",
                        max_retries=0, concurrency=1)
        brief = build_brief(_sources(3), config)
    assert [p for p in brief.problems if p.step in ("summarise", "brief")] == []
    assert {s.method for s in brief.summaries} == {"llm"}
    assert len(fake.chat_calls) == 3 + 1 + 3


def test_a_fast_server_is_used_beyond_the_starting_limit(tmp_path):
    active, peak, lock = [0], [0], threading.Lock()

    def responder(call):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.3)
        with lock:
            active[0] -= 1
        return _responder(call)

    with FakeOpenAI(responder=responder) as fake:
        config = Config(base_url=fake.url, api_key=SecretStr("sk-test"), cache_dir=tmp_path / "cache")
        brief = build_brief(_sources(30), config)
    assert {s.method for s in brief.summaries} == {"llm"}
    assert peak[0] > 4  # rose above the moderate start while every answer came back as fast as the first


def test_a_single_slot_server_is_not_flooded(tmp_path):
    slot = threading.Lock()
    waiting, most = [0], [0]

    def responder(call):  # one request at a time, the others queue (llama.cpp with one slot)
        waiting[0] += 1
        most[0] = max(most[0], waiting[0])
        with slot:
            waiting[0] -= 1
            time.sleep(0.15)
            return _responder(call)

    with FakeOpenAI(responder=responder) as fake:
        config = Config(base_url=fake.url, api_key=SecretStr("sk-test"), cache_dir=tmp_path / "cache")
        brief = build_brief(_sources(14), config)
    assert {s.method for s in brief.summaries} == {"llm"}
    assert most[0] <= 5  # the second answer took twice the first: the limit stopped rising at once


def test_fixed_concurrency_is_a_hard_cap(tmp_path):
    pacer = Pacer(start=2, ceiling=2)
    for _ in range(10):
        pacer.in_flight = 2
        pacer.answered(0.1)
    assert pacer.allowed == 2


def test_the_budget_answers_with_openais_429(tmp_path):
    budget = RateBudget(tokens_per_minute=300, window_s=60, completion_estimate=200)
    with FakeOpenAI(budget=budget) as fake:
        fake.script(ok("fine"), ok("fine"))
        first = httpx.post(f"{fake.url}/chat/completions", json={"model": "gpt-4o-mini", "messages": [
            {"role": "user", "content": "hello"}]})
        second = httpx.post(f"{fake.url}/chat/completions", json={"model": "gpt-4o-mini", "messages": [
            {"role": "user", "content": "hello again"}]})
    assert first.status_code == 200 and first.headers["x-ratelimit-limit-tokens"] == "300"
    assert int(first.headers["x-ratelimit-remaining-tokens"]) < 300
    assert second.status_code == 429
    error = second.json()["error"]
    assert error["code"] == "rate_limit_exceeded" and error["type"] == "tokens"
    assert error["message"].startswith("Rate limit reached for gpt-4o-mini in organization org-fake on tokens per "
                                       "min (TPM): Limit 300, Used ")
    assert "Please try again in " in error["message"]
    assert parse_duration(second.headers["x-ratelimit-reset-tokens"]) > 0


def test_a_request_larger_than_the_whole_budget_is_refused_as_openai_does_and_not_retried():
    budget = RateBudget(tokens_per_minute=100, completion_estimate=200)
    with FakeOpenAI(budget=budget) as fake:
        answer = httpx.post(f"{fake.url}/chat/completions", json={"model": "gpt-4o-mini", "messages": [
            {"role": "user", "content": "hello"}]})
    assert answer.status_code == 429
    message = answer.json()["error"]["message"]
    assert message.startswith("Request too large for gpt-4o-mini in organization org-fake on tokens per min (TPM): "
                              "Limit 100, Requested ")

    class TooLarge(Exception):
        status_code = 429
        body = {"code": "rate_limit_exceeded", "message": message}

        def __str__(self) -> str:
            return message

    from reporter.errors import ModelError

    try:
        raise ModelError("HTTP 429 after retries") from TooLarge()
    except ModelError as exc:
        assert not is_rate_limit(exc)


def test_the_brief_requests_leave_while_summaries_are_still_out(tmp_path):
    """The brief needs the engine's analysis, not the summaries: it is asked as soon as the analysis is
    done, so a slow summary and a slow brief wait on the server together, not one after the other."""
    import json

    from tests.fake_openai import Reply

    # The slow summary is held until the brief request arrives (or 30 s pass): no wall-clock race with
    # the analysis, however loaded the machine is. A pipeline that waits for every summary before it
    # asks for the brief holds it the full 30 s and fails below.
    brief_asked = threading.Event()
    held_until_brief: list[bool] = []

    def responder(call):
        if "verdicts" in json.dumps(call.json_schema or {}):
            brief_asked.set()
        elif "town 5" in call.text:
            held_until_brief.append(brief_asked.wait(timeout=30))
        return Reply(text=json.dumps(_responder(call)))

    # Answers take 0.5 s: the analysis running beside the requests (in this process, under the GIL) delays
    # an answer by tenths of a second, which next to a 0.05 s fastest answer read as queueing and cut the
    # pacer's limit to one slot, held by the slow summary (the suite once failed so, at load 2).
    with FakeOpenAI(responder=responder, latency_s=0.5) as fake:
        config = Config(base_url=fake.url, api_key=SecretStr("sk-test"), cache_dir=tmp_path / "cache",
                        timeout_s=60)
        brief = build_brief(_sources(6), config)
    assert {s.method for s in brief.summaries} == {"llm"} and brief.run.mode == "llm"
    assert held_until_brief == [True]  # the brief was asked while the slow summary was still out
