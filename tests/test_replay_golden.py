"""The seeds' authored cassette replays to the golden briefing, byte for byte, with no network.

An intended change to the briefing: `python -m pytest tests/test_replay_golden.py --update-golden`, which
also re-authors the cassette when the pipeline's requests changed. See docs/recording.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cassettes.author_seeds import author
from click.testing import CliRunner

from reporter import pipeline
from reporter.cli import cli
from reporter.config import Config
from reporter.llm.cassette import Cassette

ROOT = Path(__file__).resolve().parents[1]
CASSETTE = Path("tests/cassettes/seeds.yaml")
GOLDEN = ROOT / "tests" / "golden" / "seeds"
GOLDEN_FILES = ("brief.json", "brief.md")
HOW_TO_UPDATE = ("if the change is intended: python -m pytest tests/test_replay_golden.py --update-golden "
                 "(re-authors tests/cassettes/seeds.yaml when the requests changed); see docs/recording.md")


def replay_seeds(out: Path, reauthor: bool = False) -> None:
    """`reporter brief seeds --replay <seeds cassette> --out OUT`, from the repository root.

    With `reauthor` (--update-golden), a cassette that no longer matches the requests is re-authored.
    """
    result = CliRunner().invoke(cli, ["brief", "seeds", "--replay", str(CASSETTE), "--out", str(out)])
    authored = Cassette.load(ROOT / CASSETTE).header.provenance == "authored"  # never overwrite a recording
    if reauthor and authored and result.exit_code != 0 and "has no response for" in result.output:
        author(ROOT / CASSETTE)
        result = CliRunner().invoke(cli, ["brief", "seeds", "--replay", str(CASSETTE), "--out", str(out)])
    assert result.exit_code == 0, f"{result.output}\n{HOW_TO_UPDATE}"


def test_seeds_replay_reproduces_the_golden_briefing(tmp_path, monkeypatch, update_golden):
    monkeypatch.chdir(ROOT)
    replay_seeds(tmp_path / "a", reauthor=update_golden)
    if update_golden:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name in GOLDEN_FILES:
            (GOLDEN / name).write_bytes((tmp_path / "a" / name).read_bytes())
    for name in GOLDEN_FILES:
        assert (GOLDEN / name).exists(), f"no golden {name}; {HOW_TO_UPDATE}"
        assert (tmp_path / "a" / name).read_bytes() == (GOLDEN / name).read_bytes(), (
            f"{name} differs from tests/golden/seeds/{name}; {HOW_TO_UPDATE}")


def test_golden_briefing_is_a_replay_with_nothing_that_varies(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    replay_seeds(tmp_path / "a")
    replay_seeds(tmp_path / "b")
    for name in (*GOLDEN_FILES, "brief.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    text = (tmp_path / "a" / "brief.json").read_text(encoding="utf-8")
    for varying in (str(tmp_path), str(ROOT), str(Path.home())):
        assert varying not in text
    brief = json.loads(text)
    assert brief["run"]["mode"] == "replay"
    assert brief["run"]["duration_s"] is None
    assert brief["run"]["usage"]["requests"] == 0  # nothing was sent to a model
    assert brief["run"]["prompts"].keys() >= {"summary", "brief"}


def skip_unless_authored() -> None:
    """After a re-recording against a real model, checks of the authored answers do not apply."""
    if Cassette.load(ROOT / CASSETTE).header.provenance != "authored":
        pytest.skip("tests/cassettes/seeds.yaml was recorded from a model: authored-answer checks skipped")


def test_golden_briefing_shows_what_the_authored_brief_exercises(monkeypatch):
    skip_unless_authored()
    monkeypatch.chdir(ROOT)
    brief = json.loads((GOLDEN / "brief.json").read_text(encoding="utf-8"))
    sources = {s["id"]: s["text"] for s in brief["sources"]}
    assert all(s["method"] == "llm" and s["status"] == "ok" for s in brief["summaries"])
    flags = {d["id"]: d for d in brief["discrepancies"]}
    # every candidate of the evidence engine is still a flag: confirmed (origin both) or rejected (kept)
    for candidate in pipeline.run(["seeds"], Config(offline=True)).discrepancies:
        flag = flags[candidate.id]
        if candidate.kind == "wording_variant":
            assert flag["origin"] == "evidence" and "(rejected)" in flag["explanation"]
        else:
            assert flag["origin"] == "both"
    assert "llm" in [d["origin"] for d in brief["discrepancies"]], (
        "no model-only flag left: the engine now finds every flag the authored brief adds; "
        "add one it does not find in tests/cassettes/author_seeds.py")
    for flag in brief["discrepancies"]:
        for ev in flag["evidence"]:
            assert sources[ev["source_id"]][ev["start"]:ev["end"]] == ev["text"]
    # the authored flag quoting no source was removed from the flags and kept as an unverified claim
    removed = [r["text"] for r in brief["grounding_removals"]]
    assert any("Budapest" in text for text in removed)
    assert any("Budapest" in e for c in brief["unverified_claims"] for e in c["removed_evidence"])
    assert not any("Budapest" in ev["text"] for d in brief["discrepancies"] for ev in d["evidence"])
    # the authored paraphrase was re-asked with its cited sentence, and the sentence's own words kept
    xi = next(d for d in brief["discrepancies"] if d["title"] == "Whether Xi Jinping's visit to Russia is agreed")
    assert any("had yet to be confirmed" in ev["text"] for ev in xi["evidence"]) and xi["origin"] == "llm"
    assert brief["run"]["prompts"]["requote"]
    golden_md = (GOLDEN / "brief.md").read_text(encoding="utf-8")
    assert "When Wang Yi arrived in Moscow" in golden_md  # listed as unverified, visibly


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden_files_end_with_a_newline_and_hold_no_local_paths(name):
    text = (GOLDEN / name).read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert "/tmp" not in text and "/work" not in text and "/home" not in text


def test_seeds_cassette_is_labelled_authored():
    skip_unless_authored()
    cassette = Cassette.load(ROOT / CASSETTE)
    assert cassette.header.provenance == "authored"
    assert "not model output" in (cassette.header.note or "")
    assert (ROOT / CASSETTE).read_text(encoding="utf-8").startswith("# reporter cassette, AUTHORED")
    assert {e.response.model for e in cassette.entries} == {"authored"}
    prompts = {e.request.prompt_name for e in cassette.entries}
    assert {"summary", "brief"} <= prompts
