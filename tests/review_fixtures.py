"""Hand-built briefings for the review tests (no pipeline needed)."""

from __future__ import annotations

from pathlib import Path

from reporter.ids import discrepancy_id
from reporter.ingest import source_from_text
from reporter.models import Brief, Discrepancy, Evidence, RunInfo, Source

TEXTS = {
    "a": 'Line one of A.\nWang said the talks were "constructive and frank".\n'
    "The deal is worth $200 billion.\nEnd of A.",
    "b": 'Intro of B.\nWang said the talks were "frank and constructive".\n'
    "The deal is worth $300 billion.\nTeh end of B.",
    "c": 'C opens.\nWang called the talks "constructive, frank".\nThe deal is worth $200 billion.\n',
}
PHRASES = {
    "quote": {"a": "constructive and frank", "b": "frank and constructive", "c": "constructive, frank"},
    "money": {"a": "$200 billion", "b": "$300 billion", "c": "$200 billion"},
}


def source(sid: str) -> Source:
    return source_from_text(TEXTS[sid], path=f"{sid}.txt", source_id=sid, outlet=f"Outlet {sid.upper()}")


def ev(sid: str, phrase: str) -> Evidence:
    start = TEXTS[sid].index(phrase)
    return Evidence(source_id=sid, text=phrase, start=start, end=start + len(phrase))


def flag(kind: str, evidence: list[Evidence], title: str) -> Discrepancy:
    return Discrepancy(
        id=discrepancy_id(kind, evidence),
        kind=kind,  # type: ignore[arg-type]
        severity="medium",
        title=title,
        explanation=f"Explained: {title}.",
        evidence=evidence,
        suggestion="Check the original.",
        confidence=0.8,
        origin="evidence",
    )


def make_brief(source_ids: list[str]) -> Brief:
    """The flags an engine would raise for these sources: quote wording, the money figure, a typo in b."""
    flags = []
    for name, kind in (("quote", "wording_variant"), ("money", "factual_conflict")):
        present = [s for s in source_ids if s in PHRASES[name]]
        texts = {PHRASES[name][s] for s in present}
        if len(present) >= 2 and len(texts) >= 2:
            flags.append(flag(kind, [ev(s, PHRASES[name][s]) for s in present], f"The {name} differs"))
    if "b" in source_ids:
        flags.append(flag("spelling", [ev("b", "Teh")], "'Teh' is misspelled"))
    return Brief(
        event="Talks",
        sources=[source(s) for s in source_ids],
        summaries=[],
        discrepancies=flags,
        run=RunInfo(mode="offline", reporter_version="test"),
    )


def by_title(brief: Brief, title_part: str) -> Discrepancy:
    return next(f for f in brief.discrepancies if title_part in f.title)


def write_brief(brief: Brief, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "brief.json").write_text(brief.model_dump_json(indent=2), encoding="utf-8")
