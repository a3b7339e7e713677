"""LLM mode on first contact with emulated real servers (tests/server_profiles.py), through the CLI.

Each server gets its natural model name and nothing else; the run must exit 0 in mode llm with every
summary and the brief made by the model, in at most twice the minimal number of requests, never sending
a request over the server's window; a second run reuses what the first learned. `reporter doctor` must
report each server's output mode and window. Answers are authored (tests/authored_model.py).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from authored_model import SEED_FILES, authored_model, for_source
from click.testing import CliRunner
from fake_openai import FakeOpenAI, Reply
from server_profiles import PROFILES, Ollama, OpenAIReasoning

from reporter.cli import cli
from reporter.llm.profile import ProfileStore

SEEDS = str(Path(__file__).resolve().parent.parent / "seeds")
MINIMAL = len(SEED_FILES) + 1
EXPECTED_MODE = {"openai-reasoning": "json_schema", "ollama": "json_schema", "vllm": "json_schema",
                 "lmstudio": "json_schema", "tgi": "tools", "llama.cpp": "json_schema", "chatty": "json_schema",
                 "think": "json_schema"}
EXPECTED_WINDOW = {"openai-reasoning": 200000, "ollama": 4096, "vllm": 32768, "lmstudio": 8192, "tgi": 8192,
                   "llama.cpp": 8192, "chatty": 4096, "think": 32768}


def _planned(fake: FakeOpenAI, model: str, env: dict[str, str] | None = None) -> int:
    """The minimal number of requests: what --dry-run plans with the window learned for this server."""
    dry = CliRunner().invoke(cli, ["brief", SEEDS, "--dry-run", "--base-url", fake.url, "--model", model],
                             env=env or {})
    assert dry.exit_code == 0, dry.output
    return int(re.search(r": (\d+) requests planned", dry.output).group(1))


def _brief(fake: FakeOpenAI, out: Path, *args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(cli, ["brief", SEEDS, "--out", str(out), "--base-url", fake.url, *args],
                                env=env or {})
    brief = json.loads((out / "brief.json").read_text()) if (out / "brief.json").exists() else None
    return result, brief


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_first_contact_works_with_the_natural_model_name(name, tmp_path, cache_dir):
    profile = PROFILES[name]()
    model = profile.natural_model
    env = {"OPENAI_API_KEY": "sk-test"} if name.startswith("openai") else {}
    with FakeOpenAI(responder=authored_model, profile=profile) as fake:
        result, brief = _brief(fake, tmp_path / "cold", "--model", model, env=env)
        assert result.exit_code == 0, result.output
        # No traceback from reporter (the fake server's own threads may print theirs to the same stderr).
        assert not re.search(r'File "[^"]*/reporter/[^"]+", line', result.output)
        cold = len(fake.chat_calls)
        minimal = _planned(fake, model, env)  # one per article (or part) and the brief (or its parts)
        assert minimal >= MINIMAL and cold <= 2 * minimal
        assert brief["run"]["mode"] == "llm" and brief["run"]["model"] == model
        assert [s["method"] for s in brief["summaries"]] == ["llm"] * len(SEED_FILES)
        assert brief["event"] == "Wang Yi meets Putin in Moscow"  # the brief is the model's
        assert not [p for p in brief["problems"] if p["step"] in ("brief", "summarise")]
        assert profile.over == []  # nothing over the server's window was sent
        learned = ProfileStore(cache_dir).load(fake.url, model)
        assert learned.mode == EXPECTED_MODE[name]
        # A second run (answers not cached) starts in the learned mode: the minimal number of requests.
        result, _ = _brief(fake, tmp_path / "warm", "--model", model, "--no-cache", env=env)
        assert result.exit_code == 0, result.output
        assert len(fake.chat_calls) - cold == minimal
        doctor = CliRunner().invoke(cli, ["doctor", "--base-url", fake.url, "--model", model], env=env)
    assert doctor.exit_code == 0, doctor.output
    assert f"output:   {EXPECTED_MODE[name]} (probe answered" in doctor.output
    assert f"window:   {EXPECTED_WINDOW[name]} tokens" in doctor.output
    assert "ok: LLM mode will work" in doctor.output


def test_tgi_steps_down_the_ladder_once_for_the_whole_run(tmp_path):
    with FakeOpenAI(responder=authored_model, profile=PROFILES["tgi"]()) as fake:
        result, _ = _brief(fake, tmp_path / "out", "--model", "tgi")
        assert result.exit_code == 0, result.output
        forms = [("tools" if c.body.get("tools") else (c.response_format or {}).get("type")) for c in fake.chat_calls]
        minimal = _planned(fake, "tgi")
    # One probe refused as json_schema, then as json_object (both 422), then every request as a tool call.
    assert forms == ["json_schema", "json_object"] + ["tools"] * minimal


def test_a_parameter_the_server_names_is_dropped_once_and_remembered(tmp_path, cache_dir):
    # An Azure-style deployment name hides that it is a reasoning model: the first 400 names temperature.
    profile = OpenAIReasoning(natural_model="prod-reasoner", reasoners=("prod-reasoner",))
    env = {"OPENAI_API_KEY": "sk-test"}
    with FakeOpenAI(responder=authored_model, profile=profile) as fake:
        result, brief = _brief(fake, tmp_path / "a", "--model", "prod-reasoner", env=env)
        assert result.exit_code == 0, result.output
        minimal = _planned(fake, "prod-reasoner", env)
        temps = ["temperature" in c.body for c in fake.chat_calls]
        assert temps == [True] + [False] * minimal  # dropped after the first refusal, for every request
        assert ProfileStore(cache_dir).load(fake.url, "prod-reasoner").dropped == ["temperature"]
        result, _ = _brief(fake, tmp_path / "b", "--model", "prod-reasoner", "--no-cache", env=env)
        assert result.exit_code == 0 and len(fake.chat_calls) == 1 + 2 * minimal  # no refusal the second time


def test_reasoning_models_get_no_temperature_and_the_reasoning_effort(tmp_path):
    with FakeOpenAI(responder=authored_model, profile=OpenAIReasoning("gpt-5-mini")) as fake:
        result, _ = _brief(fake, tmp_path / "a", "--model", "gpt-5-mini", "--reasoning-effort", "low",
                           env={"OPENAI_API_KEY": "sk-test"})
        assert result.exit_code == 0, result.output
        bodies = [c.body for c in fake.chat_calls]
    assert len(bodies) == MINIMAL
    assert all("temperature" not in b and "max_tokens" not in b and b["reasoning_effort"] == "low" for b in bodies)


def test_an_unknown_model_is_refused_once_with_the_served_models(tmp_path):
    with FakeOpenAI(responder=authored_model, profile=Ollama()) as fake:
        result, brief = _brief(fake, tmp_path / "out", "--model", "qwen3")
        assert len(fake.chat_calls) == 1  # the probe's 404 stops the run from sending more
    assert result.exit_code == 3
    assert 'answered HTTP 404 api_error: model "qwen3" not found, try pulling it first' in result.stderr
    assert "the server serves: qwen3:8b, gemma3:4b, llama3.1:8b; pass one with --model" in result.stderr
    assert "after" not in result.stderr.split("\n")[0]  # no retry happened, none is claimed
    assert brief["run"]["mode"] == "llm" and {s["status"] for s in brief["summaries"]} == {"failed"}


def test_without_a_model_the_servers_only_model_is_used_or_the_choice_asked(tmp_path):
    with FakeOpenAI(responder=authored_model, profile=PROFILES["vllm"]()) as fake:
        result, brief = _brief(fake, tmp_path / "one")
        assert result.exit_code == 0, result.output
        assert brief["run"]["model"] == "Qwen/Qwen2.5-7B-Instruct"
    with FakeOpenAI(responder=authored_model, profile=Ollama()) as fake:
        result, _ = _brief(fake, tmp_path / "many")
        assert fake.chat_calls == []
    assert result.exit_code == 1
    assert "serves 3 models (qwen3:8b, gemma3:4b, llama3.1:8b); choose one with --model" in result.stderr


def test_model_without_key_or_server_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["brief", SEEDS, "--out", str(tmp_path / "o"), "--model", "gpt-4o-mini"])
    assert result.exit_code == 2
    assert "set OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL / --base-url" in result.stderr
    assert not (tmp_path / "o").exists()


def test_nothing_over_the_window_is_sent_and_dry_run_warns(tmp_path):
    # A 600-token window: articles are split into small parts that fit; no part of the brief step fits.
    profile = Ollama()
    profile.context_window = 600  # Ollama truncates silently: any request over it is recorded in `over`
    with FakeOpenAI(responder=authored_model, profile=profile) as fake:
        dry = CliRunner().invoke(cli, ["brief", SEEDS, "--dry-run", "--base-url", fake.url, "--model", "qwen3:8b",
                                       "--context-window", "600"])
        assert dry.exit_code == 0 and fake.chat_calls == []
        assert "Context window: 600 tokens (--context-window)" in dry.output
        assert "Token counts: estimates with o200k_base" in dry.output  # qwen3 is unknown to tiktoken
        assert "warning: brief request:" in dry.output and "it would not be sent" in dry.output
        result, brief = _brief(fake, tmp_path / "out", "--model", "qwen3:8b", "--context-window", "600")
        sent_briefs = [c for c in fake.chat_calls if "<<<MATERIAL-" in c.text]
    assert fake.chat_calls and sent_briefs == [] and profile.over == []  # nothing over the window was sent
    assert result.exit_code == 3
    assert "not sent: " in result.stderr and "exceed the context window of qwen3:8b (600 tokens)" in result.stderr
    assert {s["method"] for s in brief["summaries"]} == {"llm"}  # summarised in parts that fit


def test_a_long_article_is_split_to_fit_ollamas_window(tmp_path):
    long_text = "\n\n".join(f"Paragraph {n}: the council met again on Tuesday and discussed the budget for the "
                            "new bridge, the schools and the water supply, without reaching a decision." * 3
                            for n in range(120))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "long.txt").write_text("Council talks go on\n\n" + long_text, encoding="utf-8")
    (tmp_path / "in" / "short.txt").write_text((SEED_FILES[0]).read_text(encoding="utf-8"), encoding="utf-8")
    profile = Ollama()

    def answer(call):
        return {"lead": "The council met.", "key_points": ["Authored point."]} if "<<<ARTICLE-" in call.text \
            else authored_model(call)

    with FakeOpenAI(responder=answer, profile=profile) as fake:
        result = CliRunner().invoke(cli, ["brief", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                          "--base-url", fake.url, "--model", "qwen3:8b"])
        parts = [c for c in fake.chat_calls if "(part " in c.text]
    assert result.exit_code == 0, result.output
    assert len(parts) >= 3 and profile.over == []


def test_an_invented_quotation_in_a_summary_is_removed_and_listed(tmp_path):
    def inventing(call):
        answer = authored_model(call)
        if "lead" in answer:
            answer["key_points"] = ['The minister said "we will never negotiate with anyone".', "Authored point."]
        return answer

    with FakeOpenAI(responder=inventing, profile=PROFILES["vllm"]()) as fake:
        result, brief = _brief(fake, tmp_path / "out", "--model", "Qwen/Qwen2.5-7B-Instruct")
    assert result.exit_code == 0, result.output
    assert all(s["key_points"] == ["Authored point."] for s in brief["summaries"])
    removed = [r for r in brief["grounding_removals"] if r["discrepancy_title"].startswith("summary of")]
    assert len(removed) == len(SEED_FILES) and removed[0]["text"] == "we will never negotiate with anyone"
    assert "we will never negotiate with anyone" in (tmp_path / "out" / "brief.md").read_text()  # listed


def test_every_call_is_logged_without_the_key(tmp_path, cache_dir):
    key = "sk-logtest-0123456789abcdef"
    with FakeOpenAI(responder=authored_model, profile=PROFILES["tgi"]()) as fake:
        fake.on(for_source(SEED_FILES[2].stem), lambda: Reply(status=503, error=f"overloaded, key {key}"), times=1)
        result, _ = _brief(fake, tmp_path / "out", "--model", "tgi", env={"OPENAI_API_KEY": key})
        sent = len(fake.chat_calls)
    assert result.exit_code == 0, result.output
    logs = CliRunner().invoke(cli, ["logs", "-n", "100", "--json"])
    rows = json.loads(logs.output)
    assert len(rows) == sent
    failed = [r for r in rows if r["error"]]
    assert {r["mode"] for r in failed} >= {"json_schema", "json_object"}
    assert any("HTTP 503" in r["error"] for r in failed)
    ok = [r for r in rows if not r["error"]]
    assert all(r["response"] and r["latency_ms"] >= 0 and r["input_tokens"] > 0 for r in ok)
    assert any("<<<MATERIAL-" in r["messages"] for r in ok)  # the prompt is kept
    db = Path(cache_dir / "logs.db").read_bytes()
    assert key.encode() not in db and key[-12:].encode() not in db
    text = CliRunner().invoke(cli, ["logs", "-n", "3"])
    assert text.exit_code == 0 and "tools" in text.output
    assert sqlite3.connect(cache_dir / "logs.db").execute("SELECT count(*) FROM calls").fetchone()[0] == sent


def test_doctor_explains_why_llm_mode_cannot_work(tmp_path):
    nothing = CliRunner().invoke(cli, ["doctor"])
    assert nothing.exit_code == 1 and "no model configured" in nothing.stderr
    down = CliRunner().invoke(cli, ["doctor", "--base-url", "http://127.0.0.1:9/v1", "--model", "x"])
    assert down.exit_code == 1 and "cannot reach http://127.0.0.1:9/v1" in down.stderr
    with FakeOpenAI(responder=authored_model, profile=Ollama()) as fake:
        wrong = CliRunner().invoke(cli, ["doctor", "--base-url", fake.url, "--model", "qwen3"])
    assert wrong.exit_code == 1 and "the server serves: qwen3:8b, gemma3:4b, llama3.1:8b" in wrong.stderr


def test_a_window_the_server_states_when_refusing_is_remembered(tmp_path, cache_dir):
    # vLLM lists max_model_len 32768 but really runs with less (say 3000): it refuses the long brief.
    profile = PROFILES["vllm"]()
    profile.context_window = 3000
    with FakeOpenAI(responder=authored_model, profile=profile) as fake:
        result, _ = _brief(fake, tmp_path / "a", "--model", profile.natural_model)
        assert "maximum context length is 3000 tokens" in result.stderr
        assert "remembered for this model, so the next run splits" in result.stderr
        assert ProfileStore(cache_dir).load(fake.url, profile.natural_model).context_window == 3000
        over = len(profile.over)
        result, brief = _brief(fake, tmp_path / "b", "--model", profile.natural_model, "--no-cache")
    assert result.exit_code == 0, result.output
    assert len(profile.over) == over  # the second run fitted every request to the learned window
    assert brief["event"] == "Wang Yi meets Putin in Moscow"


def test_discovery_uses_one_connection_and_caps_what_it_reads(monkeypatch):
    """Discovery's requests (five for a server that says nothing of its window) share one kept-alive
    connection, as httpx did (a remote HTTPS server pays one handshake); an answer over the cap is no answer."""
    import socket

    from reporter.llm import server

    opened = []
    real = socket.create_connection
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: opened.append(a[0]) or real(*a, **k))
    with FakeOpenAI(model="only-model") as fake:
        info = server.discover(fake.url, None, "sk-test")
        assert info.reachable and info.models == ["only-model"] and info.context_window is None
        assert len([c for c in fake.calls]) == 5 and len(opened) == 1
        assert all(c.headers.get("authorization") == "Bearer sk-test" for c in fake.calls)
        monkeypatch.setattr(server, "MAX_ANSWER_BYTES", 40)  # the model list is longer than that
        capped = server.discover(fake.url, None, None)
        assert capped.reachable and capped.models == []
