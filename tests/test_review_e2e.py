"""End to end through the CLI: decisions on the seeds' briefing survive re-runs; removed sources orphan them.

Each test runs twice: with the real evidence engine (skipped while it raises no flags on the seeds) and
with a stand-in detector in its place, so the review wiring is tested whatever the engine finds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter import evidence
from reporter.cli import cli
from reporter.ids import discrepancy_id, normalise_text
from reporter.models import Discrepancy, Evidence
from reporter.review import load_decisions

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def _span(source, start: int, end: int) -> Evidence:
    return Evidence(source_id=source.id, text=source.text[start:end], start=start, end=end)


def stand_in_flags(sources) -> list[Discrepancy]:
    """Content-derived flags, like a detector's: each source's first line, and all sources' first words."""
    flags = []
    ordered = sorted(sources, key=lambda s: s.id)  # a detector's output does not depend on input order
    for s in ordered:
        line = _span(s, 0, s.text.index("\n") if "\n" in s.text else len(s.text))
        flags.append(("garbled_text", [line]))
    if len(ordered) >= 2:
        flags.append(("factual_conflict", [_span(s, 0, s.text.index(" ")) for s in ordered]))
    return [
        Discrepancy(
            id=discrepancy_id(kind, ev),
            kind=kind,
            severity="medium",
            title=f"Stand-in {kind} ({len(ev)} sources)",
            explanation="Raised by the test's stand-in detector.",
            evidence=ev,
            confidence=0.9,
            origin="evidence",
        )
        for kind, ev in flags
    ]


@pytest.fixture(params=["engine", "stand-in"])
def engine(request, monkeypatch):
    if request.param == "stand-in":
        real = evidence.analyse

        def analyse(sources, thresholds):
            report = real(sources, thresholds)
            report.discrepancies = stand_in_flags(sources)  # only the review wiring is under test
            return report

        monkeypatch.setattr(evidence, "analyse", analyse)  # the pipeline imports it from there when it runs
    return request.param


def brief_into(out_dir: Path, sources: list[Path]) -> dict:
    result = CliRunner().invoke(cli, ["brief", *map(str, sources), "--out", str(out_dir), "--offline", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads((out_dir / "brief.json").read_text(encoding="utf-8"))


def review(*args: str):
    return CliRunner().invoke(cli, ["review", *args])


def cited(flag: dict) -> set[str]:
    return {e["source_id"] for e in flag["evidence"]}


@pytest.fixture
def seeds_run(engine, tmp_path):
    out_dir = tmp_path / "seeds"
    first = brief_into(out_dir, SEEDS)
    if not first["discrepancies"]:
        pytest.skip("the evidence engine raises no flags on the seeds yet")
    return out_dir, first


def test_a_decision_survives_a_reversed_rerun_and_becomes_an_orphan_without_its_source(seeds_run):
    out_dir, first = seeds_run
    path_of = {s["id"]: Path(s["path"]) for s in first["sources"]}
    flag = min(first["discrepancies"], key=lambda f: (len(cited(f)), f["id"]))  # fewest sources to remove
    result = review(str(out_dir), "--set", f"{flag['id']}=confirmed", "--note", "checked with the desk")
    assert result.exit_code == 0, result.output

    again = brief_into(out_dir, list(reversed(SEEDS)))
    same = next(f for f in again["discrepancies"] if f["id"] == flag["id"])
    assert same["review"]["status"] == "confirmed"
    assert same["review"]["note"] == "checked with the desk"
    assert again["orphaned_reviews"] == []
    md = (out_dir / "brief.md").read_text(encoding="utf-8")
    assert "checked with the desk" in md and "**Review:** confirmed" in md

    remaining = [p for p in SEEDS if p not in {path_of[s] for s in cited(flag)}]
    rerun = CliRunner().invoke(cli, ["brief", *map(str, remaining), "--out", str(out_dir), "--offline", "-q"])
    assert "1 editor decision(s) match no flag" in rerun.stderr
    without = json.loads((out_dir / "brief.json").read_text(encoding="utf-8"))
    assert flag["id"] not in {f["id"] for f in without["discrepancies"]}
    orphans = without["orphaned_reviews"]
    assert [o["discrepancy_id"] for o in orphans] == [flag["id"]]
    assert orphans[0]["review"]["note"] == "checked with the desk"
    assert "## Orphaned decisions" in (out_dir / "brief.md").read_text(encoding="utf-8")
    listed = review(str(out_dir), "--list", "--status", "orphaned")
    assert listed.stdout.startswith(f"{flag['id']}\torphaned:confirmed")
    assert flag["id"] in load_decisions(out_dir / "review.json")  # kept in the file

    back = brief_into(out_dir, SEEDS)  # the source returns, and so does the decision
    assert next(f for f in back["discrepancies"] if f["id"] == flag["id"])["review"]["status"] == "confirmed"


def test_ids_are_stable_across_reruns_and_source_order(seeds_run, tmp_path):
    _, first = seeds_run

    def described(brief: dict) -> dict[str, str]:
        return {f["id"]: f"{f['title']} {sorted(cited(f))}" for f in brief["discrepancies"]}

    ids = described(first)
    for name, order in (("again", SEEDS), ("reversed", SEEDS[::-1])):
        other = described(brief_into(tmp_path / name, order))
        changed = {i: t for i, t in ids.items() if i not in other} | {i: t for i, t in other.items() if i not in ids}
        assert not changed, f"flags that differ between source orders ({name}): {changed}"


def keys(flag: dict) -> set[tuple[str, str]]:
    return {(e["source_id"], normalise_text(e["text"])) for e in flag["evidence"]}


def test_an_added_source_keeps_the_ids_of_flags_not_involving_it(seeds_run, tmp_path):
    _, full = seeds_run
    out_dir = tmp_path / "fewer"
    fewer = brief_into(out_dir, SEEDS[:-1])
    added_id = next(s["id"] for s in full["sources"] if Path(s["path"]).name == SEEDS[-1].name)
    full_ids = {f["id"] for f in full["discrepancies"]}
    kept = [f for f in fewer["discrepancies"] if f["id"] in full_ids]
    enlarged = [f for f in fewer["discrepancies"] if f["id"] not in full_ids]
    assert kept
    # a flag of the smaller run either keeps its id, or the added source joined its evidence
    for f in enlarged:
        assert any(
            g["kind"] == f["kind"] and added_id in cited(g) and keys(f) <= keys(g) for g in full["discrepancies"]
        ), f"{f['id']} ({f['title']}) changed id without involving the added source"
    # and decisions on the enlarged flags follow them
    for f in enlarged:
        assert review(str(out_dir), "--set", f"{f['id']}=needs-check", "--note", f"about {f['id']}").exit_code == 0
    rerun = brief_into(out_dir, SEEDS)
    assert rerun["orphaned_reviews"] == []
    followed = {f["review"]["note"]: f for f in rerun["discrepancies"] if f.get("review")}
    assert set(followed) == {f"about {f['id']}" for f in enlarged}
    assert all(added_id in cited(f) for f in followed.values())


def test_hide_dismissed_leaves_json_alone(seeds_run):
    out_dir, first = seeds_run
    flag = first["discrepancies"][0]
    assert review(str(out_dir), "--set", f"{flag['id']}=dismissed").exit_code == 0
    result = CliRunner().invoke(
        cli, ["brief", *map(str, SEEDS), "--out", str(out_dir), "--offline", "-q", "--hide-dismissed"]
    )
    assert result.exit_code == 0, result.output
    md = (out_dir / "brief.md").read_text(encoding="utf-8")
    assert flag["id"] not in md and "1 dismissed flag hidden" in md
    data = json.loads((out_dir / "brief.json").read_text(encoding="utf-8"))
    assert next(f for f in data["discrepancies"] if f["id"] == flag["id"])["review"]["status"] == "dismissed"


def test_a_damaged_store_stops_the_rerun_and_is_left_untouched(tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "review.json").write_text('{"decisions": [', encoding="utf-8")
    result = CliRunner().invoke(cli, ["brief", *map(str, SEEDS), "--out", str(out_dir), "--offline", "-q"])
    assert result.exit_code == 1
    assert "review.json: damaged review file" in result.stderr and "Traceback" not in result.output
    assert (out_dir / "review.json").read_text(encoding="utf-8") == '{"decisions": ['
    assert not (out_dir / "brief.json").exists()
