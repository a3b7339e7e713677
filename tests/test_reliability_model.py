"""Model replies are untrusted and bounded: one hostile or broken reply never takes down a run.

Wire-level faults come from `hostile_http.HostileServer` (it writes raw bytes); content-level ones from
the fake OpenAI server with the authored model (`authored_model`: hand-written answers, not model output).
"""

import gzip
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from authored_model import authored_model, is_brief
from hostile_http import HostileServer, big_reply, completion, drip, gzip_bomb, http, send_json, send_raw
from pydantic import SecretStr

from reporter import pipeline
from reporter.config import Config
from reporter.errors import ModelError
from reporter.llm.live import LiveBackend
from reporter.llm.protocol import ChatMessage, ModelRequest
from reporter.llm.schemas import SummaryOutput, json_schema_for
from reporter.render import write_outputs

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
KEY = "sk-test-SECRET-0123456789abcdef"


def _request() -> ModelRequest:
    return ModelRequest(prompt_name="summary", prompt_version="1", source_id="a", model="m",
                        messages=[ChatMessage(role="system", content="s"), ChatMessage(role="user", content="u")],
                        schema_name="SummaryOutput", json_schema=json_schema_for(SummaryOutput),
                        params={"temperature": 0, "response_format": "json_schema"})


def _backend(url: str, **kw) -> LiveBackend:
    return LiveBackend(Config(base_url=url, api_key=SecretStr(KEY), **{"max_retries": 0, **kw}))


def test_a_server_dripping_one_byte_a_second_is_cut_at_the_timeout():
    payload = http(json.dumps(completion()).encode())
    with HostileServer(drip(payload, every_s=0.5)) as server:
        backend = _backend(server.url, timeout_s=2)
        started = time.monotonic()
        with pytest.raises(ModelError, match="timed out"):
            backend.complete(_request())
        elapsed = time.monotonic() - started
    assert elapsed < 3.5, f"a 2 s --timeout held the request for {elapsed:.1f} s"


def test_a_gzip_bomb_is_refused_before_it_expands():
    cap = Config().limits.max_reply_bytes
    with HostileServer(gzip_bomb(300_000_000)) as server:
        backend = _backend(server.url)
        started = time.monotonic()
        with pytest.raises(ModelError, match="reply refused: reply expands to over the cap"):
            backend.complete(_request())
    assert time.monotonic() - started < 5
    assert cap < 300_000_000
    assert server.requests == 1, "a refused reply is not asked again"


def test_a_reply_over_the_byte_cap_is_refused_for_that_request_only():
    with HostileServer(big_reply(3_000_000)) as server, \
            pytest.raises(ModelError, match="reply refused: reply is over the cap of 1,000,000 bytes"):
        _backend(server.url, limits={"max_reply_bytes": 1_000_000}).complete(_request())


def test_a_gzipped_reply_within_the_cap_is_read():
    body = gzip.compress(json.dumps(completion()).encode())
    with HostileServer(send_raw(http(body, headers={"Content-Encoding": "gzip"}))) as server:
        response = _backend(server.url).complete(_request())
    assert json.loads(response.text) == {"lead": "x", "key_points": []}


@pytest.mark.parametrize("envelope", [
    completion(choices=[]),
    completion(choices=None),
    completion(choices=[{"index": 0, "message": "text", "finish_reason": "stop"}]),
    [1, 2, 3],
    {"object": "chat.completion"},
], ids=["empty-choices", "null-choices", "message-not-object", "not-an-object", "no-choices"])
def test_a_malformed_envelope_fails_only_its_request(envelope):
    with HostileServer(send_json(envelope)) as server, pytest.raises(ModelError, match="reply refused|malformed reply"):
        _backend(server.url).complete(_request())


@pytest.mark.parametrize("usage", [
    {"prompt_tokens": -5, "completion_tokens": -1_000_000, "total_tokens": -1_000_005},
    {"prompt_tokens": 10**30, "completion_tokens": 1e308, "total_tokens": "many"},
    {"prompt_tokens": True, "completion_tokens": None, "total_tokens": [1]},
], ids=["negative", "absurd", "wrong-types"])
def test_absurd_usage_is_booked_as_zero_not_as_is(usage):
    with HostileServer(send_json(completion(usage=usage))) as server:
        response = _backend(server.url).complete(_request())
    assert (response.input_tokens, response.output_tokens) == (0, 0)
    assert json.loads(response.text)["lead"] == "x"


def test_wrongly_typed_reply_fields_print_no_pydantic_warnings():
    envelope = completion(model=12, id=["x"], created="yesterday", system_fingerprint={"a": 1})
    envelope["choices"][0]["finish_reason"] = 7
    envelope["choices"][0]["message"]["refusal"] = 3
    with HostileServer(send_json(envelope)) as server, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = _backend(server.url).complete(_request())
    assert json.loads(response.text)["lead"] == "x"
    # what this test is about: no pydantic serialisation warnings. A ResourceWarning for a socket some earlier
    # test left open can be finalised by the garbage collector inside this block; it is not counted here.
    assert [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)] == []


def test_a_server_echoing_the_api_key_never_gets_it_stored_or_printed(tmp_path, fake_openai, monkeypatch, cache_dir):
    def echo(call):
        answer = authored_model(call)
        if is_brief(call):
            answer["event"] = f"Key {KEY} in the title"
        else:
            answer["lead"] = f"your key is {KEY}"
            answer["key_points"] = [json.dumps(KEY)]
        return answer

    fake_openai.responder = echo
    config = Config(base_url=fake_openai.url, api_key=SecretStr(KEY), record=tmp_path / "run.yaml")
    brief = pipeline.run([str(SEEDS)], config, tmp_path / "out")
    write_outputs(brief, tmp_path / "out", config)
    stored = [p for p in [*(tmp_path / "out").iterdir(), tmp_path / "run.yaml", *cache_dir.rglob("*")] if p.is_file()]
    assert len(stored) >= 4
    for path in stored:
        assert KEY.encode() not in path.read_bytes(), path
    assert "REDACTED" in (tmp_path / "out" / "brief.md").read_text(encoding="utf-8")


def test_a_two_megabyte_field_is_cut_to_the_per_field_cap(tmp_path, fake_openai):
    def long_lead(call):
        answer = authored_model(call)
        if not is_brief(call):
            answer["lead"] = "word " * 400_000
        return answer

    fake_openai.responder = long_lead
    config = Config(base_url=fake_openai.url, api_key=SecretStr(KEY))
    brief = pipeline.run([str(SEEDS)], config, tmp_path / "out")
    paths = write_outputs(brief, tmp_path / "out", config)
    assert max(len(s.lead or "") for s in brief.summaries) < 4_100
    assert all(p.stat().st_size < 500_000 for p in paths.values())


def test_empty_choices_on_every_request_still_give_a_briefing(tmp_path):
    with HostileServer(send_json(completion(choices=[]))) as server:
        config = Config(base_url=server.url, api_key=SecretStr(KEY), max_retries=0)
        brief = pipeline.run([str(SEEDS)], config, tmp_path / "out")
    assert len(brief.sources) == 5 and len(brief.summaries) == 5
    assert all(s.method == "extractive" or s.status != "ok" for s in brief.summaries)
    assert any("no \"choices\"" in p.message for p in brief.problems)


def test_model_text_that_reads_like_an_instruction_is_never_the_title_or_a_conclusion(tmp_path, fake_openai):
    def obedient(call):
        answer = authored_model(call)
        if is_brief(call):
            answer["event"] = "No discrepancies: all sources agree completely"
            answer["consensus"].append({"text": "Editors should ignore any flags.",
                                        "source_ids": answer["consensus"][0]["source_ids"]})
        return answer

    fake_openai.responder = obedient
    brief = pipeline.run([str(SEEDS)], Config(base_url=fake_openai.url, api_key=SecretStr(KEY)), tmp_path / "o")
    assert "discrepancies" not in brief.event.lower()
    assert all("ignore" not in c.text for c in brief.consensus)
    marked = [p.message for p in brief.problems if "reads like an instruction" in p.message]
    assert len(marked) == 2 and "No discrepancies" in marked[0] and "ignore any flags" in marked[1]


def test_a_thirty_megabyte_reply_keeps_peak_memory_under_500_mb(tmp_path):
    """The whole CLI in a fresh process against a server answering every request with 30 MB.

    The peak is the child's own VmHWM (read as it exits): ru_maxrss would include the parent's memory at fork.
    """
    peak_file = tmp_path / "peak"
    run = ("import os, re, sys\n"
           "real_exit = os._exit\n"
           "def exit_with_peak(code):\n"  # reporter ends with os._exit once its output is flushed
           "    hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
           f"    open({str(peak_file)!r}, 'w').write(hwm)\n"
           "    real_exit(code)\n"
           "os._exit = exit_with_peak\n"
           "sys.argv = ['reporter', *sys.argv[1:]]\n"
           "from reporter.__main__ import main\nmain()\n")
    with HostileServer(big_reply(30_000_000)) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": KEY,
               "REPORTER_CACHE_DIR": str(tmp_path / "cache")}
        proc = subprocess.run([sys.executable, "-c", run, "brief", str(SEEDS), "--out", str(tmp_path / "out"),
                               "--timeout", "30", "--quiet"], env=env, capture_output=True, text=True, timeout=300)
    peak_mb = int(peak_file.read_text()) / 1024
    assert proc.returncode == 3, proc.stderr
    assert "reply refused: reply is over the cap" in proc.stderr and "Traceback" not in proc.stderr
    assert peak_mb < 500, f"peak memory {peak_mb:.0f} MB"
    assert (tmp_path / "out" / "brief.html").stat().st_size < 2_000_000
