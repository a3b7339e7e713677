"""Boilerplate: page chrome and unrelated stories inside a source, listed with the removed text.

Line-level chrome is found while parsing (`chrome.py`); here the cluster adds what needs other sources:
trailing paragraphs that share almost nothing with the event the other sources report (an unrelated story
pasted after the article). Nothing is dropped silently: every removed span becomes evidence of a flag.
"""

from __future__ import annotations

import math
from collections import Counter

from reporter.evidence.flags import Cluster, evidence, make_flag
from reporter.evidence.lexicon import content_stems
from reporter.evidence.structure import Document
from reporter.models import Discrepancy

_MIN_WORDS = 30  # shorter trailing paragraphs are not judged: too little to go on
_UNRELATED = 0.2  # share of a paragraph's (idf-weighted) words found in the other sources


def mark_unrelated_tail(docs: dict[str, Document]) -> None:
    """Move trailing paragraphs unrelated to the cluster's event into each document's boilerplate."""
    if len(docs) < 3:
        return
    doc_stems = {sid: {s for sent in d.sentences for s in content_stems(sent.text)} for sid, d in docs.items()}
    df = Counter(s for stems in doc_stems.values() for s in stems)
    n = len(docs)
    for sid, doc in docs.items():
        others = {s for s, c in df.items() if c - (1 if s in doc_stems[sid] else 0) >= 1}
        cut = None
        for pi in range(len(doc.paragraphs) - 1, 0, -1):
            ps, pe = doc.paragraphs[pi]
            stems = content_stems(doc.text[ps:pe])
            if len(stems) < _MIN_WORDS:
                break
            weights = {s: math.log((n + 1) / df.get(s, 1)) + 0.1 for s in set(stems)}
            # fsum: exactly rounded, so the outcome cannot depend on the hash-seeded order of the set
            shared = math.fsum(w for s, w in weights.items() if s in others)
            if shared / math.fsum(weights.values()) >= _UNRELATED:
                break
            cut = pi
        if cut is not None:
            _cut_tail(doc, cut)


def _cut_tail(doc: Document, first_paragraph: int) -> None:
    start = doc.paragraphs[first_paragraph][0]
    end = doc.paragraphs[-1][1]
    doc.boilerplate.append((start, end))
    doc.boilerplate_reasons.append("unrelated story appended to the article")
    order = sorted(range(len(doc.boilerplate)), key=lambda i: doc.boilerplate[i])
    doc.boilerplate = [doc.boilerplate[i] for i in order]
    doc.boilerplate_reasons = [doc.boilerplate_reasons[i] for i in order]
    doc.paragraphs = doc.paragraphs[:first_paragraph]
    doc.sentences = [s for s in doc.sentences if s.start < start]
    doc.quotes = [q for q in doc.quotes if q.start < start]
    doc.statements = [st for st in doc.statements if st.sentence < len(doc.sentences)]
    doc.figures = [f for f in doc.figures if f.start < start]
    doc.names = [nm for nm in doc.names if nm.start < start]
    doc.stray_quotes = [p for p in doc.stray_quotes if p < start]
    doc.fused_names = [f for f in doc.fused_names if f[0] < start]


def detect(cluster: Cluster) -> list[Discrepancy]:
    """One boilerplate flag per source, with every removed span as evidence."""
    flags = []
    for doc in cluster.docs.values():
        if not doc.boilerplate:
            continue
        spans = [evidence(doc, s, e) for s, e in doc.boilerplate]
        reasons = sorted(set("; ".join(doc.boilerplate_reasons).split("; ")))
        stories = any(w in r for r in reasons for w in ("appended", "unrelated", "repeated", "related-links"))
        words = sum(len(e.text.split()) for e in spans)
        flags.append(
            make_flag(
                "boilerplate",
                "boilerplate",
                "medium" if stories else "low",
                ("Unrelated stories and page chrome" if stories else "Page chrome") + f" in {doc.source_id}",
                f"Removed from the analysis and summaries ({words} words): {', '.join(reasons)}.",
                spans,
                0.9 if stories else 0.85,
                "Remove this material from the article.",
            )
        )
    return flags
