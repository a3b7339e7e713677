"""Record through the fake server, replay with no network; strict misses; changed prompts; no key on disk."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cassettes.author_seeds import make_responder
from click.testing import CliRunner
from fake_openai import FakeOpenAI, Reply

from reporter.cli import cli
from reporter.config import Config
from reporter.ingest import read_inputs
from reporter.llm.cassette import Cassette
from reporter.llm.prompts import load_prompt

ROOT = Path(__file__).resolve().parents[1]
SEEDS_CASSETTE = ROOT / "tests" / "cassettes" / "seeds.yaml"
SAME_IN_RECORD_AND_REPLAY = ("event", "sources", "summaries", "consensus", "discrepancies",
                             "unverified_claims", "grounding_removals", "problems")


@pytest.fixture
def seeds_server(monkeypatch):
    """The fake server answering the seeds with the authored responder; the run pointed at it."""
    monkeypatch.chdir(ROOT)
    sources, _ = read_inputs(["seeds"], Config())
    with FakeOpenAI(responder=make_responder(sources)) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
        yield fake


def brief(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["brief", "seeds", "--quiet", *args])
    return result.exit_code, result.output


def load(out: Path) -> dict:
    return json.loads((out / "brief.json").read_text(encoding="utf-8"))


def test_record_then_replay_round_trip(seeds_server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-roundtrip-000")
    cassette_path = tmp_path / "run.yaml"
    # The fake server names no window; with one this large the brief is a single request.
    code, output = brief("--record", str(cassette_path), "--out", str(tmp_path / "live"), "--context-window", "128000")
    assert code == 0, output
    sent = len(seeds_server.chat_calls)
    cassette = Cassette.load(cassette_path)
    assert cassette.header.provenance == "recorded"
    assert cassette.header.endpoint_host == "127.0.0.1"
    live = load(tmp_path / "live")
    assert cassette.header.model == live["run"]["model"]  # the default model, named
    assert len(cassette) == sent == 7  # five summaries, one brief, one re-ask about a paraphrased quote
    assert live["run"]["mode"] == "llm" and live["run"]["usage"]["requests"] == sent

    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    code, output = brief("--replay", str(cassette_path), "--out", str(tmp_path / "replayed"))
    assert code == 0, output
    assert len(seeds_server.chat_calls) == sent  # replay sent nothing
    replayed = load(tmp_path / "replayed")
    for field in SAME_IN_RECORD_AND_REPLAY:
        assert replayed[field] == live[field], field
    assert replayed["run"]["mode"] == "replay"
    assert replayed["run"]["duration_s"] is None
    assert replayed["run"]["model"] == live["run"]["model"]
    assert replayed["run"]["prompts"] == live["run"]["prompts"]
    for tokens in ("input_tokens", "output_tokens"):
        assert replayed["run"]["usage"][tokens] == live["run"]["usage"][tokens] > 0


@pytest.mark.filterwarnings("ignore:This model does not support OpenAI's structured output")
def test_json_mode_fallback_records_and_replays(seeds_server, tmp_path, monkeypatch):
    """A server without json_schema support: the run falls back to json mode; its cassette replays."""
    seeds_server.json_schema_supported = False
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-jsonmode-000")
    cassette_path = tmp_path / "run.yaml"
    code, output = brief("--record", str(cassette_path), "--out", str(tmp_path / "live"))
    assert code == 0, output
    modes = {e.request.params.get("response_format") for e in Cassette.load(cassette_path).entries}
    assert modes == {"json_object"}
    monkeypatch.delenv("OPENAI_BASE_URL")
    code, output = brief("--replay", str(cassette_path), "--out", str(tmp_path / "replayed"))
    assert code == 0, output
    live, replayed = load(tmp_path / "live"), load(tmp_path / "replayed")
    for field in SAME_IN_RECORD_AND_REPLAY:
        assert replayed[field] == live[field], field


def test_recording_with_a_canary_key_leaves_no_trace_on_disk(seeds_server, tmp_path, monkeypatch, cache_dir):
    canary = f"sk-canary-{secrets.token_hex(12)}"
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    out, cassette_path = tmp_path / "out", tmp_path / "cassettes" / "run.yaml"
    code, output = brief("--record", str(cassette_path), "--out", str(out), "--json", str(tmp_path / "b.json"))
    assert code == 0, output
    # the key was really used, and only in the Authorization header
    assert seeds_server.chat_calls[0].headers["authorization"] == f"Bearer {canary}"
    assert seeds_server.leaks(canary) == []
    assert canary not in output
    files = [p for root in (tmp_path, cache_dir) for p in root.rglob("*") if p.is_file()]
    assert cassette_path in files and out / "brief.json" in files
    assert any(p.is_relative_to(cache_dir) for p in files)  # the cache was written, and is checked too
    for path in files:
        assert canary.encode() not in path.read_bytes(), path
        assert canary[3:].encode() not in path.read_bytes(), path


def test_a_server_echoing_the_key_in_its_errors_leaves_no_trace(seeds_server, tmp_path, monkeypatch,
                                                                  cache_dir):
    canary = f"sk-canary-{secrets.token_hex(12)}"
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    seeds_server.on(lambda call: True, Reply(status=401, error=f"Incorrect API key provided: {canary}"),
                    times=None)
    code, output = brief("--record", str(tmp_path / "run.yaml"), "--out", str(tmp_path / "out"))
    assert code == 3, output  # finished with failures: every model step failed, the engine's flags kept
    assert "401" in output and canary not in output
    files = [p for root in (tmp_path, cache_dir) for p in root.rglob("*") if p.is_file()]
    assert tmp_path / "out" / "brief.json" in files
    for path in files:
        assert canary[3:].encode() not in path.read_bytes(), path


def _edited_seeds_cassette(tmp_path: Path, edit) -> Path:
    """A copy of the seeds' cassette with every summary entry passed through `edit`."""
    data = yaml.safe_load(SEEDS_CASSETTE.read_text(encoding="utf-8"))
    data["entries"] = [e for e in (edit(e) if e["prompt"] == "summary" else e for e in data["entries"]) if e]
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_replay_is_strict_and_names_the_prompt_and_source(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    dropped = []

    def drop_first(entry):
        if not dropped:
            dropped.append(entry["source_id"])
            return None
        return entry

    cassette = _edited_seeds_cassette(tmp_path, drop_first)
    code, output = brief("--replay", str(cassette), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "prompt 'summary'" in output and f"source '{dropped[0]}'" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out" / "brief.json").exists()  # strict: no briefing from a partial replay


def _older_prompt(entry: dict) -> dict:
    """The entry as an older version 0 of the summary prompt, worded differently, would have recorded it."""
    system = {**entry["messages"][0], "content": entry["messages"][0]["content"].replace("an editor", "a reader")}
    return {**entry, "prompt_version": "0", "messages": [system, *entry["messages"][1:]]}


def test_replay_of_an_older_prompt_version_names_the_change(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    cassette = _edited_seeds_cassette(tmp_path, _older_prompt)
    code, output = brief("--replay", str(cassette), "--out", str(tmp_path / "out"))
    assert code == 1
    current = load_prompt("summary").version
    assert f"prompt 'summary' changed: cassette has version 0, run uses version {current}" in output
    # the same wording change without a version bump is named too, with where the text differs
    cassette = _edited_seeds_cassette(tmp_path, lambda e: {**_older_prompt(e), "prompt_version": current})
    code, output = brief("--replay", str(cassette), "--out", str(tmp_path / "out"))
    assert code == 1
    assert "prompt 'summary' changed: the messages differ" in output and "message 1 (system)" in output


def test_changed_prompt_template_makes_replay_fail_naming_it(tmp_path):
    """End to end: edit the summary template (new wording, version 2) and replay the seeds' cassette."""
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    template = prompts / "summary.md"
    text = template.read_text(encoding="utf-8")
    current = load_prompt("summary").version
    bumped = str(int(current) + 1)
    assert f'version: "{current}"' in text
    text = text.replace(f'version: "{current}"', f'version: "{bumped}"')
    text = text.replace("for an editor", "for a busy editor", 1)
    template.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["REPORTER_PROMPTS"] = str(prompts)
    result = subprocess.run(
        [sys.executable, "-m", "reporter", "brief", "seeds", "--replay", str(SEEDS_CASSETTE),
         "--out", str(tmp_path / "out")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"prompt 'summary' changed: cassette has version {current}, run uses version {bumped}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_damaged_cassette_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: reporter-cassette\nversion: 7\n", encoding="utf-8")
    code, output = brief("--replay", str(bad), "--out", str(tmp_path / "out"))
    assert code == 1
    assert f"{bad}: unknown cassette version 7" in output


def test_record_without_a_model_is_refused_up_front(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, output = brief("--record", str(tmp_path / "run.yaml"), "--out", str(tmp_path / "out"))
    assert code == 2  # a usage error
    assert "nothing to record" in output
    assert not (tmp_path / "out").exists() and not (tmp_path / "run.yaml").exists()


def test_a_refused_key_is_reported_once_not_once_per_article(seeds_server, tmp_path, monkeypatch, cache_dir):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-0000000000")
    seeds_server.on(lambda call: True, Reply(status=401, error="Incorrect API key provided: sk-wron***0000."),
                    times=None)
    code, output = brief("--out", str(tmp_path / "out"))
    assert code == 3, output
    warnings = [line for line in output.splitlines() if line.startswith("reporter: warning:")]
    assert len(warnings) == 1, output
    assert "HTTP 401" in warnings[0] and "check the API key" in warnings[0]
    assert "this briefing is the evidence engine's alone" in warnings[0]
    chats = [c for c in seeds_server.calls if c.path.endswith("/chat/completions")]
    assert len(chats) == 1, [c.path for c in seeds_server.calls]  # the first refusal stops all the others


def test_a_failed_step_is_recorded_and_replays_the_same_way(seeds_server, tmp_path, monkeypatch):
    """A step the server refused is in the cassette as a failure; replay fails it the same way, not with a miss."""
    from authored_model import is_brief
    from fake_openai import server_error

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-failedstep-000")
    seeds_server.on(is_brief, lambda: server_error(400), times=None)
    cassette_path = tmp_path / "run.yaml"
    code, output = brief("--record", str(cassette_path), "--out", str(tmp_path / "live"), "--context-window", "128000")
    assert code == 3, output  # the brief step failed; the engine's flags are kept
    live = load(tmp_path / "live")
    (problem,) = live["problems"]
    assert problem["step"] == "brief" and "HTTP 400" in problem["message"]

    entries = Cassette.load(cassette_path).entries
    failed = [e for e in entries if e.failure is not None]
    assert [(e.request.prompt_name, e.failure.kind, e.failure.status) for e in failed] == [
        ("brief", "request_rejected", 400)]
    assert sum(e.response is not None and e.request.prompt_name == "summary" for e in entries) == 5

    monkeypatch.delenv("OPENAI_BASE_URL")
    sent = len(seeds_server.chat_calls)
    code, output = brief("--replay", str(cassette_path), "--out", str(tmp_path / "replayed"))
    assert code == 3, output
    assert "has no response" not in output  # not a cassette miss: the recorded failure
    assert len(seeds_server.chat_calls) == sent
    replayed = load(tmp_path / "replayed")
    for field in SAME_IN_RECORD_AND_REPLAY:
        assert replayed[field] == live[field], field
