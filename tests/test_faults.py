"""Faults: a run that fails while rendering or writing leaves the previous briefing whole; LLM faults below."""

from __future__ import annotations

import errno
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from authored_model import SEED_IDS, authored_model, for_source, is_brief, source_of
from bad_input_corpus import SEED_FILES
from click.testing import CliRunner, Result
from fake_openai import (
    INVENTED_QUOTE,
    ChatCall,
    FakeOpenAI,
    dropped,
    malformed_json,
    rate_limited,
    refusal,
    schema_invalid,
    server_error,
    slow,
    truncated,
    with_invented_quotes,
)
from html_safety import page_text

from reporter import atomic, render
from reporter.cli import cli

OUTPUTS = ("brief.md", "brief.html", "brief.json")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in `folder` (temporary ones included) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def good_briefing(tmp_path: Path) -> Path:
    """An output folder holding a good briefing of two seeds, written by the CLI."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(SEED_FILES[0]), str(SEED_FILES[1]), "--out", str(out), "--offline"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    return out


def rerun(out: Path) -> object:
    """A second run, on different inputs, into the same folder."""
    return CliRunner().invoke(cli, ["brief", str(SEED_FILES[2]), str(SEED_FILES[3]), "--out", str(out), "--offline"])


def test_rendering_failing_midway_leaves_the_old_briefing_untouched(good_briefing: Path, monkeypatch) -> None:
    before = snapshot(good_briefing)

    def broken_html(markdown_text: str, title: str) -> str:  # the Markdown is done, the HTML fails
        raise MemoryError("simulated failure while rendering HTML")

    monkeypatch.setattr(render, "render_html", broken_html)
    result = rerun(good_briefing)
    assert result.exit_code != 0
    assert snapshot(good_briefing) == before


@pytest.mark.parametrize("fail_on", [1, 2, 3])
def test_disk_full_while_writing_any_file_leaves_the_old_briefing_untouched(
    good_briefing: Path, monkeypatch, fail_on: int
) -> None:
    before = snapshot(good_briefing)
    real_fdopen = os.fdopen
    opened = {"n": 0}

    class FullDisk:
        """A file handle whose write fails like a full disk, after the temp file was created."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            self.handle.write(text[: len(text) // 2])  # half the file reaches the temp file
            raise OSError(errno.ENOSPC, "No space left on device", self.handle.name)

    def fdopen(fd, *args, **kwargs):
        opened["n"] += 1
        handle = real_fdopen(fd, *args, **kwargs)
        return FullDisk(handle) if opened["n"] == fail_on else handle

    monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    result = rerun(good_briefing)
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "error" in line]
    assert "No space left on device" in line
    assert snapshot(good_briefing) == before  # no half file, no stray temporary file


def test_interrupt_while_writing_leaves_the_old_briefing_untouched(good_briefing: Path, monkeypatch) -> None:
    before = snapshot(good_briefing)
    real_fsync = os.fsync
    calls = {"n": 0}

    def interrupted_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", interrupted_fsync)
    result = CliRunner().invoke(cli, ["brief", str(SEED_FILES[2]), "--out", str(good_briefing), "--offline"])
    assert result.exit_code == 1 and "Aborted" in result.stderr  # click turns Ctrl-C into "Aborted!"
    assert snapshot(good_briefing) == before


def test_a_successful_rerun_replaces_all_three_files_and_keeps_their_mode(good_briefing: Path) -> None:
    (good_briefing / "brief.html").chmod(0o644)
    before = snapshot(good_briefing)
    result = rerun(good_briefing)
    assert result.exit_code == 0
    after = snapshot(good_briefing)
    assert sorted(after) == sorted(OUTPUTS)
    assert all(after[name] != before[name] for name in OUTPUTS)
    assert (good_briefing / "brief.html").stat().st_mode & 0o777 == 0o644


# --- LLM faults injected by the fake OpenAI server -----------------------------------------------------------
#
# The fake model's answers below are authored (written by hand in the model's output format), not model output.

# Long enough that a normal answer arrives in time on a loaded machine (1 s once failed at load 11).
TIMEOUT_S = 2


def calls_by_source(fake: FakeOpenAI) -> Counter:
    return Counter(source_of(c) or "brief" for c in fake.chat_calls)


def llm_brief(fake: FakeOpenAI, out: Path, *extra: str) -> Result:
    """`reporter brief` of the five seeds in LLM mode against the fake server."""
    return CliRunner().invoke(
        cli, ["brief", *map(str, SEED_FILES), "--out", str(out), "--base-url", fake.url, "--model", "gpt-4o-mini",
              "--timeout", str(TIMEOUT_S), *extra],
        env={"OPENAI_API_KEY": "sk-test-not-a-secret"},
    )


# Each fault: (what the server does to one article's requests, whether the article's summary survives).
TRANSIENT = {  # fails once, then the SDK's retry or the re-ask recovers: the article is summarised by the model
    "429 with retry-after": lambda: rate_limited(retry_after=0.2),
    "500 once": lambda: server_error(500),
    "503 once": lambda: server_error(503),
    "dropped connection once": dropped,
    "slow past the timeout once": lambda: slow(TIMEOUT_S + 2.5),
    "schema-invalid once": schema_invalid,
    "truncated once": truncated,
    "refusal once": refusal,
}
PERSISTENT = {  # fails every time: the article keeps its offline summary, marked, and is listed as a problem
    "500 always": (lambda: server_error(500), "failed", "answered HTTP 500 server_error: The server had an error "
                   "(fake) (after 3 retries)"),
    "dropped connection always": (dropped, "failed", "failed after 3 retries: Server disconnected"),
    "slower than the timeout always": (lambda: slow(TIMEOUT_S + 2.5), "failed", "no answer from http://127.0.0.1:"),
    "malformed JSON body": (malformed_json, "failed", "malformed reply"),
    "schema-invalid always": (schema_invalid, "model output invalid", "model output invalid after 2 re-asks"),
    "refusal always": (refusal, "model output invalid", "the model refused"),
    "truncated always": (truncated, "model output invalid", "cut off"),
}


@pytest.mark.parametrize("fault", sorted(TRANSIENT))
def test_transient_fault_on_one_article_is_recovered(fake_openai: FakeOpenAI, tmp_path: Path, fault: str) -> None:
    fake_openai.responder = authored_model
    victim = SEED_IDS[1]
    fake_openai.on(for_source(victim), TRANSIENT[fault], times=1)
    result = llm_brief(fake_openai, tmp_path / "out")
    assert result.exit_code == 0, result.output
    brief = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    assert brief["run"]["mode"] == "llm" and brief["problems"] == []
    assert all(s["method"] == "llm" and s["status"] == "ok" for s in brief["summaries"])
    assert calls_by_source(fake_openai)[victim] == 2  # the failed attempt and the one that worked


@pytest.mark.parametrize("fault", sorted(PERSISTENT))
def test_persistent_fault_on_one_article_keeps_the_rest_and_lists_it(
    fake_openai: FakeOpenAI, tmp_path: Path, fault: str
) -> None:
    make_reply, status, message = PERSISTENT[fault]
    fake_openai.responder = authored_model
    victim, victim_path = SEED_IDS[2], str(SEED_FILES[2])
    fake_openai.on(for_source(victim), make_reply, times=None)
    result = llm_brief(fake_openai, tmp_path / "out")
    assert result.exit_code == 3, result.output
    (line,) = [line for line in result.stderr.splitlines() if "warning" in line]
    assert victim_path in line and message in line
    brief = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    by_id = {s["source_id"]: s for s in brief["summaries"]}
    assert len(by_id) == 5
    assert by_id[victim]["status"] == status and message in by_id[victim]["error"]
    assert by_id[victim]["method"] == "extractive" and by_id[victim]["lead"]  # the offline summary is kept
    assert all(s["status"] == "ok" and s["method"] == "llm" for sid, s in by_id.items() if sid != victim)
    (problem,) = brief["problems"]
    assert (problem["source_id"], problem["path"], problem["step"]) == (victim, victim_path, "summarise")
    page = page_text((tmp_path / "out" / "brief.html").read_text(encoding="utf-8"))
    assert f"{status}: " in page and message in page  # the editor sees it beside the article's summary
    assert brief["run"]["mode"] == "llm" and brief["discrepancies"] is not None


def test_brief_step_failing_keeps_summaries_and_the_engine_flags(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.responder = authored_model
    fake_openai.on(is_brief, lambda: server_error(500), times=None)
    result = llm_brief(fake_openai, tmp_path / "out")
    assert result.exit_code == 3
    brief = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    (problem,) = brief["problems"]
    assert problem["step"] == "brief" and "flags are kept" in problem["message"]
    assert all(s["method"] == "llm" for s in brief["summaries"])
    offline = CliRunner().invoke(cli, ["brief", *map(str, SEED_FILES), "--out", str(tmp_path / "off"), "--offline"])
    assert offline.exit_code == 0
    engine = json.loads((tmp_path / "off" / "brief.json").read_text(encoding="utf-8"))["discrepancies"]
    assert [d["id"] for d in brief["discrepancies"]] == [d["id"] for d in engine]


def test_rerun_after_faults_resumes_from_the_cache(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.responder = authored_model
    broken = SEED_IDS[0], SEED_IDS[3], SEED_IDS[4]
    fake_openai.on(for_source(broken[0]), lambda: server_error(500), times=None)
    fake_openai.on(for_source(broken[1]), dropped, times=None)
    fake_openai.on(for_source(broken[2]), schema_invalid, times=None)  # invalid answers must not be cached
    first = llm_brief(fake_openai, tmp_path / "out")
    assert first.exit_code == 3
    first_calls = calls_by_source(fake_openai)
    assert all(first_calls[sid] == 1 for sid in SEED_IDS if sid not in broken)

    fake_openai._rules.clear()  # the server has recovered
    fake_openai.calls.clear()
    second = llm_brief(fake_openai, tmp_path / "out")
    assert second.exit_code == 0, second.output
    again = calls_by_source(fake_openai)
    assert {sid: again[sid] for sid in SEED_IDS} == {sid: (1 if sid in broken else 0) for sid in SEED_IDS}
    brief = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    assert brief["problems"] == [] and all(s["method"] == "llm" for s in brief["summaries"])
    # the two summaries that succeeded, and the brief: its request shows the articles, not the summaries
    assert brief["run"]["usage"]["cached"] == 3 and brief["run"]["usage"]["requests"] == again.total()


def test_invented_quotes_never_become_flags_or_summary_quotes(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    def flagging_model(call: ChatCall) -> dict:
        """authored_model, plus one new flag in the brief (its evidence is what gets replaced)."""
        answer = authored_model(call)
        if "verdicts" in answer:
            answer["new_discrepancies"] = [{
                "kind": "factual_conflict", "severity": "high", "title": "Authored flag", "explanation": "x",
                "suggestion": None, "confidence": 0.9, "evidence": [{"source_id": "S1", "text": "Wang Yi"}]}]
        return answer

    fake_openai.responder = with_invented_quotes(flagging_model)
    result = llm_brief(fake_openai, tmp_path / "out")
    assert result.exit_code == 0, result.output
    brief = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    assert brief["grounding_removals"] and all(r["text"] == INVENTED_QUOTE for r in brief["grounding_removals"])
    shown = [e["text"] for d in brief["discrepancies"] for e in d["evidence"]]
    shown += [q["text"] for s in brief["summaries"] for q in s["quotes"]]
    assert INVENTED_QUOTE not in shown


def test_request_cap_stops_sending_and_the_run_finishes(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.responder = authored_model
    result = llm_brief(fake_openai, tmp_path / "out", "--max-requests", "2", "--concurrency", "1")
    assert result.exit_code == 3, result.output
    assert len(fake_openai.chat_calls) == 2
    brief = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    capped = [p for p in brief["problems"] if "--max-requests 2" in p["message"]]
    assert len(capped) == 4  # every request past the cap was refused, each listed
    # The brief's first request may leave before the last summaries (it goes once the analysis is done),
    # so the two requests sent are two summaries, or one summary (the probe) and the brief's first part.
    briefs_sent = sum(is_brief(c) for c in fake_openai.chat_calls)
    assert briefs_sent in (0, 1)
    answered = sum(s["method"] == "llm" for s in brief["summaries"])
    assert answered == 2 - briefs_sent
    assert sum(s["status"] == "failed" for s in brief["summaries"]) == 5 - answered


def test_token_cap_stops_sending_and_the_run_finishes(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.responder = authored_model
    result = llm_brief(fake_openai, tmp_path / "out", "--max-tokens", "1", "--concurrency", "1")
    assert result.exit_code == 3, result.output
    assert fake_openai.chat_calls == []
    brief = json.loads((tmp_path / "out" / "brief.json").read_text(encoding="utf-8"))
    assert len([p for p in brief["problems"] if "--max-tokens 1" in p["message"]]) == 6
    assert len(brief["summaries"]) == 5 and brief["sources"]
