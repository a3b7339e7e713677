"""Helpers for the evidence-engine tests: build Source objects from text and load the seeds."""

from __future__ import annotations

import hashlib
from pathlib import Path

from reporter.models import Source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def make_source(source_id: str, text: str) -> Source:
    """A Source for in-memory text, as ingest would build it for a .txt file."""
    return Source(
        id=source_id,
        path=f"{source_id}.txt",
        format="txt",
        encoding="utf-8",
        words=len(text.split()),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text=text,
    )


def seed_sources() -> list[Source]:
    """The five seed articles, in file-name order."""
    return [make_source(p.stem, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
