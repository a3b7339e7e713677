"""Helpers for the evidence-engine tests: build Source objects from text and load the seeds."""

from __future__ import annotations

from pathlib import Path

from reporter.ingest import source_from_text
from reporter.models import Source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def make_source(source_id: str, text: str) -> Source:
    """A Source for in-memory text, as ingest builds it for a .txt file."""
    return source_from_text(text, path=f"{source_id}.txt", source_id=source_id)


def seed_sources() -> list[Source]:
    """The five seed articles, in file-name order."""
    return [make_source(p.stem, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
