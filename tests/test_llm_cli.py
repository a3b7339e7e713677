"""LLM mode end to end: `reporter brief seeds` against the fake OpenAI-compatible server on 127.0.0.1.

The fake model's answers are authored by the functions below (not model output): summaries quote the
article's real quotations; the brief confirms every candidate, adds one flag grounded in two passages
and one whose quotes appear in no source.
"""

import json
import re
from pathlib import Path

from authored_model import first_sentences
from click.testing import CliRunner
from fake_openai import INVENTED_QUOTE, with_invented_quotes

from reporter.cli import cli

SEEDS = str(Path(__file__).resolve().parents[1] / "seeds")
ARTICLE = re.compile(r"<<<(ARTICLE-[0-9A-F]+)>>>(.*)\n<<<END \1>>>", re.DOTALL)
CANDIDATE = re.compile(r"^(C\d+) ", re.MULTILINE)
MADE_UP = "Wang Yi announced a peace treaty signed by both presidents"


def authored_model(call):
    schema = call.json_schema or {}
    if "verdicts" in schema.get("properties", {}):
        material = call.last_user
        evidence = first_sentences(material)  # numbered sentences of the articles shown, verbatim
        return {
            "event": "Wang Yi visits Moscow",
            "consensus": [{"text": "Wang met Putin.", "source_ids": [e["source_id"] for e in evidence]}],
            "verdicts": [{"candidate_id": c, "verdict": "confirmed", "reason": "Checked."}
                         for c in CANDIDATE.findall(material)],
            "new_discrepancies": [
                {"kind": "wording_variant", "severity": "medium", "title": "Passages differ",
                 "explanation": "Authored.", "suggestion": None, "confidence": 0.6, "evidence": evidence},
                {"kind": "factual_conflict", "severity": "high", "title": "Treaty claim",
                 "explanation": "Authored invention.", "suggestion": None, "confidence": 0.9,
                 "evidence": [{"source_id": "S1", "text": MADE_UP}]},
            ],
        }
    article = ARTICLE.search(call.last_user).group(2)
    return {"lead": article.strip().splitlines()[0][:80], "key_points": ["Authored point."]}


def _brief(tmp_path, fake_openai, monkeypatch, *extra):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", SEEDS, "--out", str(out), "--model", "gpt-4o-mini", *extra])
    assert result.exit_code == 0, result.output
    return json.loads((out / "brief.json").read_text(encoding="utf-8"))


def _all_evidence_verbatim(brief):
    texts = {s["id"]: s["text"] for s in brief["sources"]}
    spans = [e for d in brief["discrepancies"] for e in d["evidence"]]
    spans += [{**q, "source_id": s["source_id"]} for s in brief["summaries"] for q in s["quotes"]]
    for span in spans:
        assert texts[span["source_id"]][span["start"]:span["end"]] == span["text"]
    return spans


def test_llm_briefing_of_the_seeds(tmp_path, fake_openai, monkeypatch):
    fake_openai.responder = authored_model
    brief = _brief(tmp_path, fake_openai, monkeypatch)
    run = brief["run"]
    assert run["mode"] == "llm" and run["model"] == "gpt-4o-mini"
    assert run["prompts"] == {"brief": "2", "summary": "2"}
    assert run["usage"]["requests"] == 6 == len(fake_openai.chat_calls)
    assert run["usage"]["input_tokens"] > 0
    assert all(s["method"] == "llm" and s["status"] == "ok" for s in brief["summaries"])
    assert sum(len(s["quotes"]) for s in brief["summaries"]) > 5
    _all_evidence_verbatim(brief)
    flagged = json.dumps(brief["discrepancies"])
    assert MADE_UP not in flagged
    assert [c["title"] for c in brief["unverified_claims"]] == ["Treaty claim"]
    assert MADE_UP in [r["text"] for r in brief["grounding_removals"]]
    # the request really carried the schema as strict structured output
    fmt = fake_openai.chat_calls[0].response_format
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True


def test_quotes_from_no_source_never_reach_the_flags(tmp_path, fake_openai, monkeypatch):
    fake_openai.responder = with_invented_quotes(authored_model)
    brief = _brief(tmp_path, fake_openai, monkeypatch)
    assert INVENTED_QUOTE not in json.dumps(brief["discrepancies"]) + json.dumps(brief["consensus"])
    assert all(d["origin"] != "llm" for d in brief["discrepancies"])
    assert INVENTED_QUOTE not in json.dumps(brief["summaries"])
    assert {r["text"] for r in brief["grounding_removals"]} == {INVENTED_QUOTE}
    assert {c["title"] for c in brief["unverified_claims"]} >= {"Passages differ", "Treaty claim"}
    _all_evidence_verbatim(brief)


def test_dry_run_prints_the_plan_and_sends_nothing(tmp_path, fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url)
    result = CliRunner().invoke(cli, ["brief", SEEDS, "--out", str(tmp_path / "out"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "6 requests planned, nothing sent" in result.output
    assert result.output.count("summary ") == 5
    assert fake_openai.calls == [] and not (tmp_path / "out").exists()
