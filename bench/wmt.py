"""WMT21 zh-en multi-translation data: documents, articles with segment offsets, and clusters.

The data lives outside the project (../shared/evaldata/wmt21-zhen, or $REPORTER_WMT_DIR) and is only
read at run time, never copied. Each translation of a document becomes one article: its segments
joined with a newline, with a table of where each segment starts so that error spans (offsets into
a segment) map onto offsets into the article.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_SUBDIR = Path("shared/evaldata/wmt21-zhen")
SEGMENT_JOINER = "\n"


def data_dir() -> Path | None:
    """Where docs.jsonl is: $REPORTER_WMT_DIR, else ../shared/... above the project (or its worktree)."""
    env = os.environ.get("REPORTER_WMT_DIR")
    if env:
        return Path(env) if (Path(env) / "docs.jsonl").is_file() else None
    for parent in ROOT.parents:
        candidate = parent / DATA_SUBDIR
        if (candidate / "docs.jsonl").is_file():
            return candidate
    return None


@dataclass(frozen=True)
class Span:
    """An annotated error span, in article offsets."""

    start: int
    end: int
    severity: str


@dataclass
class Article:
    """One translation of one document, as a single text with its segment table and gold spans."""

    doc_id: str
    system: str
    text: str
    segments: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each segment
    spans: list[Span] = field(default_factory=list)
    clipped_spans: int = 0  # spans partly outside their segment, cut to fit
    skipped_spans: int = 0  # spans wholly outside their segment (or empty), left out
    damaged: list[tuple[int, int]] = field(default_factory=list)  # segments holding upstream TSV rows

    @property
    def source_name(self) -> str:
        """File-like name for the article, unique within its document."""
        return f"{self.doc_id}__{self.system}.txt"


def is_damaged(segment_text: str) -> bool:
    """A segment with a tab holds rows of the upstream TSV merged into it (13 segments, one of 30 kB)."""
    return "\t" in segment_text


def build_article(doc_id: str, system: str, segments: list[dict]) -> Article:
    """Join segment texts; map each segment's spans to article offsets, clipping strays."""
    parts: list[str] = []
    article = Article(doc_id=doc_id, system=system, text="")
    offset = 0
    for i, seg in enumerate(segments):
        if i:
            parts.append(SEGMENT_JOINER)
            offset += len(SEGMENT_JOINER)
        text = seg["text"]
        parts.append(text)
        article.segments.append((offset, offset + len(text)))
        if is_damaged(text):
            article.damaged.append((offset, offset + len(text)))
        for sp in seg.get("spans", []):
            start, end = max(0, int(sp["start"])), min(len(text), int(sp["end"]))
            if start >= end:
                article.skipped_spans += 1
                continue
            if (start, end) != (sp["start"], sp["end"]):
                article.clipped_spans += 1
            article.spans.append(Span(offset + start, offset + end, sp["severity"]))
        offset += len(text)
    article.text = "".join(parts)
    return article


@cache
def load_docs(path: str | None = None) -> tuple[dict, ...]:
    """All documents of docs.jsonl, sorted by doc_id (cached per process)."""
    base = Path(path) if path else data_dir()
    if base is None:
        raise FileNotFoundError("WMT data not found: set REPORTER_WMT_DIR or place ../shared/evaldata/wmt21-zhen")
    with open(base / "docs.jsonl", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh if line.strip()]
    return tuple(sorted(docs, key=lambda d: d["doc_id"]))


def doc_articles(doc: dict) -> list[Article]:
    """Every translation of one document as an article, in sorted system order."""
    return [build_article(doc["doc_id"], name, segs) for name, segs in sorted(doc["translations"].items())]


def split_docs(docs: tuple[dict, ...] | list[dict]) -> tuple[list[dict], list[dict]]:
    """Deterministic dev/test split: sorted by doc_id, even positions dev, odd positions test."""
    ordered = sorted(docs, key=lambda d: d["doc_id"])
    return ordered[0::2], ordered[1::2]


def mosaic_articles(doc: dict, count: int, seed: int) -> list[Article]:
    """`count` extra versions of one document, each segment taken from a randomly chosen translation.

    Every mosaic still reports the same event sentence by sentence, so a large cluster stays a real
    worst case for alignment (everything aligns with everything). Same seed, same articles.
    """
    rng = random.Random(seed)
    systems = sorted(doc["translations"])
    by_seg: dict[int, list[dict]] = {}
    for name in systems:
        for seg in doc["translations"][name]:
            by_seg.setdefault(seg["seg_id"], []).append(seg)
    seg_ids = sorted(by_seg)
    out: list[Article] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < count:
        attempts += 1
        chosen = [rng.choice(by_seg[s]) for s in seg_ids]
        article = build_article(doc["doc_id"], f"mosaic{len(out):04d}", chosen)
        # Identical texts would be collapsed as duplicates by the pipeline; redraw (bounded).
        if article.text in seen and attempts < count * 20:
            continue
        seen.add(article.text)
        out.append(article)
    return out


def scaling_cluster(size: int, seed: int = 20211) -> list[Article]:
    """A cluster of `size` articles about one event: the real translations first, then mosaics.

    The document is the longest one (by total characters of its first translation), a fixed choice.
    """
    docs = load_docs()
    doc = max(docs, key=lambda d: (len(doc_articles(d)[0].text), d["doc_id"]))
    real = doc_articles(doc)
    if size <= len(real):
        return real[:size]
    return real + mosaic_articles(doc, size - len(real), seed)
