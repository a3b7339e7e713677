"""The result cache (reporter/llm/results.py): a fully cached LLM-mode run answers without the engine or
the model, writes exactly what a run answered from the response cache writes, and never serves a result
made from other inputs, prompts, model, settings or server.

The fake model's answers are authored: the smallest answer each schema allows (bench.llm_efficiency).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_openai import server_error

from bench.llm_efficiency import responder
from reporter.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture
def seeds(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def fake(fake_openai, monkeypatch):
    fake_openai.responder = responder
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # no wall time in brief.json: runs compare byte for byte
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-result-cache")
    return fake_openai


def _brief(fake, inputs, out, *extra, code=0):
    result = CliRunner().invoke(cli, ["brief", str(inputs), "--out", str(out), "--base-url", fake.url, "--quiet",
                                      *extra])
    assert result.exit_code == code, result.output
    return json.loads((Path(out) / "brief.json").read_text(encoding="utf-8"))


def _engine_must_not_run(monkeypatch):
    def analyse(*args, **kwargs):
        raise AssertionError("the evidence engine ran on a fully cached run")

    monkeypatch.setattr("reporter.evidence.analyse", analyse)


def test_a_fully_cached_run_is_the_response_cached_run_without_the_work(tmp_path, fake, seeds, monkeypatch):
    first = _brief(fake, seeds, tmp_path / "one")
    sent = len(fake.chat_calls)
    assert sent == first["run"]["usage"]["requests"] > 0
    with monkeypatch.context() as m:
        _engine_must_not_run(m)
        # its page was converted by the first run, which knew it would be asked for it
        m.setattr("reporter.render.render_html", lambda *a: (_ for _ in ()).throw(AssertionError("converted")))
        cached = _brief(fake, seeds, tmp_path / "two")
    assert len(fake.chat_calls) == sent  # nothing sent
    # The same run with the result cache turned off (briefings and pages): the engine runs and the page is
    # converted again, every request is answered from the response cache.
    with monkeypatch.context() as m:
        m.setattr("reporter.llm.results.ResultCache.get", lambda self, key: None)
        m.setattr("reporter.llm.results.ResultCache.page", lambda self, key: None)
        rerun = _brief(fake, seeds, tmp_path / "three")
    assert len(fake.chat_calls) == sent
    assert cached == rerun
    assert cached["run"]["usage"] == {"input_tokens": 0, "output_tokens": 0, "requests": 0, "cached": sent}
    assert {k: v for k, v in cached.items() if k != "run"} == {k: v for k, v in first.items() if k != "run"}
    for name in ("brief.md", "brief.html"):
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "three" / name).read_bytes()


def _edit_input(seeds: Path) -> None:
    path = sorted(seeds.glob("*.txt"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nA late paragraph the first run never saw.\n",
                    encoding="utf-8")


@pytest.mark.parametrize("change", ["input text", "model", "context window", "engine limit", "served model"])
def test_a_change_is_never_answered_with_the_old_result(tmp_path, fake, seeds, monkeypatch, change):
    _brief(fake, seeds, tmp_path / "one")
    sent = len(fake.chat_calls)
    extra: list[str] = []
    if change == "input text":
        _edit_input(seeds)
    elif change == "model":
        extra = ["--model", "another-model"]
    elif change == "context window":
        extra = ["--context-window", "16384"]
    elif change == "engine limit":
        extra = ["--max-analysed-chars", "3000"]
    elif change == "served model":
        fake.model = "fake-model-v2"  # the server now serves another model; no --model given
    engine_ran = []
    import reporter.evidence as evidence

    real = evidence.analyse
    monkeypatch.setattr("reporter.evidence.analyse", lambda *a, **k: engine_ran.append(1) or real(*a, **k))
    again = _brief(fake, seeds, tmp_path / "two", *extra, code=3 if change == "engine limit" else 0)
    assert engine_ran, f"{change}: answered from the result cache"
    if change in ("input text", "model", "served model", "context window"):
        assert len(fake.chat_calls) > sent  # what the model sees changed: asked again
    if change == "input text":
        assert "A late paragraph the first run never saw." in again["sources"][0]["text"]
    if change in ("model", "served model"):
        assert again["run"]["model"] == ("another-model" if change == "model" else "fake-model-v2")


def test_edited_prompt_templates_are_never_answered_with_the_old_result(tmp_path, fake_openai, seeds):
    """In fresh processes, as users run it: REPORTER_PROMPTS is read at start-up."""
    fake_openai.responder = responder
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    env = {**os.environ, "REPORTER_PROMPTS": str(prompts), "OPENAI_API_KEY": "sk-test-result-cache",
           "SOURCE_DATE_EPOCH": "0", "PYTHONPATH": str(ROOT)}

    def run(out: str) -> dict:
        proc = subprocess.run([sys.executable, "-m", "reporter", "brief", str(seeds), "--out", str(tmp_path / out),
                               "--base-url", fake_openai.url, "--quiet"], env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        return json.loads((tmp_path / out / "brief.json").read_text(encoding="utf-8"))

    run("one")
    sent = len(fake_openai.chat_calls)
    run("two")
    assert len(fake_openai.chat_calls) == sent  # nothing changed: nothing sent
    summary = prompts / "summary.md"
    summary.write_text(summary.read_text(encoding="utf-8").replace("version:", "version: 2b\nold_version:", 1)
                       .replace("## system\n", "## system\nWrite plainly.\n", 1), encoding="utf-8")
    third = run("three")
    assert len(fake_openai.chat_calls) > sent
    assert "Write plainly." in fake_openai.chat_calls[-1].text or any(
        "Write plainly." in c.text for c in fake_openai.chat_calls[sent:])
    assert third["run"]["prompts"]["summary"] == "2b"


def test_the_cached_path_loads_neither_the_engine_nor_the_model_client(tmp_path, fake_openai, seeds):
    fake_openai.responder = responder
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-result-cache", "PYTHONPATH": str(ROOT)}
    probe = ("import atexit, sys\n"
             "heavy = ('openai', 'langchain_core', 'langchain_openai', 'tiktoken', 'reporter.evidence', 'rapidfuzz',"
             " 'httpx', 'yaml', 'rich', 'reporter.review_cli')\n"
             "atexit.register(lambda: print('LOADED', sorted({m for m in sys.modules if m.startswith(heavy)}),"
             " file=sys.stderr))\n"
             "from reporter.cli import cli\n"
             "cli(sys.argv[1:])\n")
    cmd = [sys.executable, "-c", probe, "brief", str(seeds), "--out", str(tmp_path / "out"), "--base-url",
           fake_openai.url, "--quiet"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "'openai'" in first.stderr and "'reporter.evidence'" in first.stderr  # the probe sees a real run
    sent = len(fake_openai.chat_calls)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert len(fake_openai.chat_calls) == sent
    assert "LOADED []" in second.stderr, second.stderr


def test_a_run_with_a_failed_model_step_is_not_kept(tmp_path, fake, seeds):
    first_source = sorted(seeds.glob("*.txt"))[0].read_text(encoding="utf-8").split("\n")[0][:40]
    fake.on(lambda call: first_source in call.text and "verdicts" not in json.dumps(call.json_schema or {}),
            lambda: server_error(500), times=None)
    first = _brief(fake, seeds, tmp_path / "one", "--timeout", "5", code=3)
    assert any(s["method"] != "llm" for s in first["summaries"])
    fake._rules.clear()  # the server recovers
    sent = len(fake.chat_calls)
    second = _brief(fake, seeds, tmp_path / "two")
    assert len(fake.chat_calls) > sent  # asked again for what failed
    assert all(s["method"] == "llm" for s in second["summaries"])


def test_no_cache_record_and_replay_never_use_it(tmp_path, fake, seeds):
    _brief(fake, seeds, tmp_path / "one")
    sent = len(fake.chat_calls)
    _brief(fake, seeds, tmp_path / "two", "--no-cache")
    assert len(fake.chat_calls) == 2 * sent  # --no-cache: everything asked again
    cassette = tmp_path / "run.yaml"
    recorded = _brief(fake, seeds, tmp_path / "three", "--record", str(cassette))
    assert len(fake.chat_calls) == 2 * sent  # answered from the response cache, and every answer recorded
    before = len(fake.chat_calls)
    result = CliRunner().invoke(cli, ["brief", str(seeds), "--out", str(tmp_path / "four"), "--replay",
                                      str(cassette), "--quiet"])
    assert result.exit_code == 0, result.output
    replayed = json.loads((tmp_path / "four" / "brief.json").read_text(encoding="utf-8"))
    assert len(fake.chat_calls) == before
    assert replayed["run"]["mode"] == "replay"
    assert replayed["discrepancies"] == recorded["discrepancies"]
    assert replayed["summaries"] == recorded["summaries"]


def test_a_damaged_entry_is_a_miss(tmp_path, fake, seeds, cache_dir):
    first = _brief(fake, seeds, tmp_path / "one")
    db = sqlite3.connect(cache_dir / "llm-cache.sqlite3")
    with db:
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 1
        db.execute("UPDATE results SET brief = '{\"schema_version\": '")
    db.close()
    again = _brief(fake, seeds, tmp_path / "two")
    assert again["discrepancies"] == first["discrepancies"]
    assert again["run"]["usage"]["cached"] == first["run"]["usage"]["requests"]


def test_the_newest_results_are_kept_and_none_holds_the_api_key(tmp_path, monkeypatch):
    from reporter.llm import results
    from reporter.models import Brief, RunInfo

    monkeypatch.setattr(results, "KEPT", 3)
    store = results.ResultCache(tmp_path)
    brief = Brief(event="An event", sources=[], summaries=[], run=RunInfo(mode="llm", reporter_version="0"))
    for n in range(5):
        store.put(f"k{n}", brief.model_copy(update={"event": f"event {n}"}))
    assert [store.get(f"k{n}") is not None for n in range(5)] == [False, False, True, True, True]
    store.put("k2", brief)  # stored again: now the newest
    store.put("k5", brief)
    assert store.get("k2") is not None and store.get("k3") is None
    store.put("leak", brief.model_copy(update={"event": "sk-secret-value in the title"}), "sk-secret-value")
    assert store.get("leak") is None


def test_a_page_is_read_back_only_for_the_same_markdown_and_title(tmp_path):
    from pydantic import SecretStr

    from reporter.config import Config
    from reporter.llm.results import cached_html
    from reporter.render import render_html

    config = Config(base_url="http://127.0.0.1:9/v1", api_key=SecretStr("sk-test-pages"), cache_dir=tmp_path)
    to_html = cached_html(config)
    assert to_html is not None and cached_html(config.model_copy(update={"use_cache": False})) is None
    first, second = "# One\n\nThe first briefing.\n", "# One\n\nThe second briefing.\n"
    assert to_html(first, "T") == render_html(first, "T")
    assert to_html(second, "T") == render_html(second, "T") != render_html(first, "T")
    assert to_html(first, "Other title") == render_html(first, "Other title")
    assert to_html(first, "T") == render_html(first, "T")  # read back
    import sqlite3

    db = sqlite3.connect(tmp_path / "llm-cache.sqlite3")
    assert db.execute("SELECT count(*) FROM pages").fetchone()[0] == 3
    db.close()


def test_the_response_cache_keeps_the_newest_responses_only(tmp_path, monkeypatch):
    from reporter.llm import cache as response_cache
    from reporter.llm.protocol import ChatMessage, ModelRequest, ModelResponse

    def request(n: int) -> ModelRequest:
        return ModelRequest(prompt_name="summary", prompt_version="1", source_id=f"s{n}", model="m",
                            messages=[ChatMessage(role="user", content=f"article {n}")], schema_name="S",
                            json_schema={"type": "object"}, params={})

    monkeypatch.setattr(response_cache, "KEPT_RESPONSES", 3)
    store = response_cache.ResponseCache(tmp_path)
    for n in range(5):
        store.put(request(n), ModelResponse(text=f'{{"n": {n}}}', model="m"))
    assert all(store.get(request(n)) is not None for n in range(5))  # trimmed when opened, not mid-run
    store.close()
    store = response_cache.ResponseCache(tmp_path)
    assert [store.get(request(n)) is not None for n in range(5)] == [False, False, True, True, True]
    store.close()
