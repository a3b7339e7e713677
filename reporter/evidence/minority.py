"""Minority wording: in a sentence rendered by many sources (translations of one text), the words that
few other renderings use are where one version most likely went wrong."""

from __future__ import annotations

from collections import Counter

from reporter.evidence.align import Unit
from reporter.evidence.flags import Cluster, evidence, make_flag
from reporter.evidence.lexicon import STOPWORDS, WORD, stem
from reporter.evidence.structure import Document
from reporter.models import Discrepancy, Evidence

_MIN_SOURCES = 6  # fewer renderings give no reliable majority (news clusters rarely reach this)
_MAX_SHARE = 0.3  # tuned on the WMT21 dev half: a word at most 3 in 10 other renderings use
_MIN_WORDS = 1  # one odd content word is enough: the majority of renderings sets the bar


def _odd_spans(doc: Document, units: list[Unit], used_by: Counter[str], others: int) -> list[Evidence]:
    """Runs of content words of one rendering that few other renderings use, as tight verbatim spans."""
    runs: list[list[tuple[int, int]]] = []
    for u in units:
        current: list[tuple[int, int]] = []
        for m in WORD.finditer(doc.text, u.start, u.end):
            w = m.group()
            if w.lower() in STOPWORDS:
                continue
            users = used_by[stem(w)] - 1  # this rendering uses it itself
            if users / others <= _MAX_SHARE:
                current.append((m.start(), m.end()))
            else:
                if current:
                    runs.append(current)
                current = []
        if current:
            runs.append(current)
    return [evidence(doc, r[0][0], r[-1][1]) for r in runs if len(r) >= _MIN_WORDS]


def detect(cluster: Cluster) -> list[Discrepancy]:
    """One wording-variant flag per sentence many sources render, with the odd words of each rendering."""
    flags = []
    for group in cluster.alignment.cross_source("sentence"):
        per_doc: dict[str, list[Unit]] = {}  # all of a source's units: a rendering may split the sentence
        for u in group.units:
            per_doc.setdefault(u.doc, []).append(u)
        if len(per_doc) < _MIN_SOURCES:
            continue
        stems_of = {d: {stem(m.group()) for u in us for m in WORD.finditer(u.text)} for d, us in per_doc.items()}
        used_by = Counter(s for stems in stems_of.values() for s in stems)  # renderings using each stem
        spans = [e for d, us in per_doc.items() for e in _odd_spans(cluster.docs[d], us, used_by, len(per_doc) - 1)]
        if not spans:
            continue
        shown = "; ".join(f"'{e.text}'" for e in spans[:3])
        first = group.units[0].text if len(group.units[0].text) < 60 else group.units[0].text[:57] + "…"
        flags.append(
            make_flag(
                "wording_variant",
                "wording.minority",
                "low",
                f"Sources render one sentence with words few others use: '{first}'",
                f"{len(per_doc)} sources render this sentence; the marked words ({shown}"
                f"{'; …' if len(spans) > 3 else ''}) are used by at most {_MAX_SHARE:.0%} of the other renderings, "
                "so those renderings may have gone wrong there.",
                spans,
                0.55,
                "Compare the marked passages with the majority wording.",
            )
        )
    return flags
