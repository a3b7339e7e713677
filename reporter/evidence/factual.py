"""Factual conflicts: aligned passages that give the same quantity or day differently.

Agreement in other words is not a conflict: '$185 billion last year' and 'US$185 billion in 2022' carry the
same value; a conversion in brackets ('US$200 billion (S$268 billion)') has another currency and is not
compared.
"""

from __future__ import annotations

import re
from itertools import combinations

from reporter.evidence.align import Unit
from reporter.evidence.flags import Cluster, make_flag, sentence_evidence
from reporter.evidence.lexicon import WEEKDAYS, content_stems
from reporter.evidence.structure import Document, FigureSpan
from reporter.models import Discrepancy

_WEEKDAY = re.compile(rf"\b({WEEKDAYS})\b")


def _figures(doc: Document, index: int) -> list[FigureSpan]:
    return [
        f
        for f in doc.figures
        if f.sentence == index and f.kind in ("money", "percent", "count") and f.value is not None
    ]


def _context(doc: Document, f: FigureSpan) -> set[str]:
    """Content stems in the few words before a figure: what it measures."""
    sent = doc.sentences[f.sentence]
    before = doc.text[max(sent.start, f.start - 60) : f.start]
    noun = [f.unit] if f.kind == "count" and f.unit else []
    return set(content_stems(before)[-4:]) | set(noun)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 0.01 * max(abs(a), abs(b))


def _numeric(cluster: Cluster, a: Unit, b: Unit) -> Discrepancy | None:
    da, db = cluster.docs[a.doc], cluster.docs[b.doc]
    fa, fb = _figures(da, a.index), _figures(db, b.index)
    for x in fa:
        if any(_same(x.value, y.value) for y in fb if y.unit == x.unit):  # type: ignore[arg-type]
            continue
        for y in fb:
            if y.kind != x.kind or y.unit != x.unit or any(_same(y.value, z.value) for z in fa if z.unit == y.unit):  # type: ignore[arg-type]
                continue
            if len(_context(da, x) & _context(db, y)) >= 1:
                return make_flag(
                    "factual_conflict",
                    "factual.figure",
                    "high",
                    f"Different figures for the same thing: {x.text} vs {y.text}",
                    f"Aligned passages give {x.text} ({a.doc}) and {y.text} ({b.doc}) for what reads like the "
                    "same quantity.",
                    [sentence_evidence(da, a.index), sentence_evidence(db, b.index)],
                    0.75,
                    "Check the figure against the primary source.",
                )
    return None


def _weekday(cluster: Cluster, a: Unit, b: Unit, score: float) -> Discrepancy | None:
    days_a = set(_WEEKDAY.findall(a.text))
    days_b = set(_WEEKDAY.findall(b.text))
    if len(days_a) == 1 and len(days_b) == 1 and days_a != days_b and score >= 0.7:
        da, db = cluster.docs[a.doc], cluster.docs[b.doc]
        (x,), (y,) = days_a, days_b
        return make_flag(
            "factual_conflict",
            "factual.date",
            "medium",
            f"Different days for the same event: {x} vs {y}",
            f"Aligned passages date the same event to {x} ({a.doc}) and {y} ({b.doc}).",
            [sentence_evidence(da, a.index), sentence_evidence(db, b.index)],
            0.6,
            "Check the date of the event.",
        )
    return None


def detect(cluster: Cluster) -> list[Discrepancy]:
    """Factual-conflict flags from aligned sentence groups."""
    flags = []
    for group in cluster.alignment.cross_source("sentence"):
        rep = group.units[0]
        for u, score in zip(group.units[1:], group.scores[1:], strict=True):
            if u.doc != rep.doc and (flag := _weekday(cluster, rep, u, score)):
                flags.append(flag)
        # compare one passage per distinct set of figures: few comparisons even in a group of 200
        by_signature: dict[frozenset[tuple[str | None, float]], Unit] = {}
        for u in group.units:
            figs = _figures(cluster.docs[u.doc], u.index)
            sig = frozenset((f.unit, round(f.value or 0.0, 2)) for f in figs)
            if sig:
                by_signature.setdefault(sig, u)
        for a, b in combinations(list(by_signature.values())[:20], 2):
            if a.doc != b.doc and (flag := _numeric(cluster, a, b)):
                flags.append(flag)
    return flags
