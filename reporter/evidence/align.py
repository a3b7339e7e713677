"""Cross-source alignment: group sentences and quotes that report the same thing.

Sub-quadratic by design: every unit is indexed by its rarest content stems, and a new unit is compared only
with the representatives of the few groups that share those stems (leader clustering), never with every
other unit. Similarity is an idf-weighted overlap of content stems, or fuzzy character similarity for short
quotes, so paraphrases and translation variants still align.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import repeat
from typing import Literal

from rapidfuzz import fuzz

from reporter.evidence.lexicon import content_stems
from reporter.evidence.structure import Document
from reporter.ids import normalise_text

_KEYS_PER_UNIT = 10  # rarest stems used to look a unit up
_CANDIDATES = 12  # groups compared per unit at most
_EVIDENCE_WEIGHT = 4.0
_IDF_PSEUDO = 20
_SAME_SPEAKER_W = 12.0  # shared idf mass that makes two quotes of one speaker one remark


@dataclass(frozen=True)
class Unit:
    """A sentence or a quote of one document, ready for comparison."""

    doc: str
    kind: Literal["sentence", "quote"]
    index: int
    start: int
    end: int
    text: str
    speaker: str | None
    stems: frozenset[str]


@dataclass
class Group:
    """Units from one or more sources that report the same thing; `units[0]` is the representative."""

    kind: Literal["sentence", "quote"]
    units: list[Unit] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)  # similarity of each unit to the group when it joined

    @property
    def docs(self) -> set[str]:
        """Sources represented in the group."""
        return {u.doc for u in self.units}


@dataclass
class Alignment:
    """Groups of aligned units, plus the stem weights used (shared with the detectors)."""

    sentence_groups: list[Group]
    quote_groups: list[Group]
    idf: dict[str, float]

    def cross_source(self, kind: str = "sentence") -> list[Group]:
        """Groups with units from at least two sources."""
        groups = self.sentence_groups if kind == "sentence" else self.quote_groups
        return [g for g in groups if len(g.docs) >= 2]


def units_of(doc: Document) -> tuple[list[Unit], list[Unit]]:
    """Sentence units (body and headline) and quote units (two words or more) of a document."""
    figure_keys: dict[int, set[str]] = defaultdict(set)
    for f in doc.figures:
        if f.kind in ("money", "percent", "count") and f.value is not None:
            figure_keys[f.sentence].add(figure_key(f.value, f.unit))
    speakers: dict[int, str] = {}  # each sentence's first statement's speaker (one pass, not one per sentence)
    for st in doc.statements:
        speakers.setdefault(st.sentence, st.speaker)
    sents = [
        Unit(
            doc.source_id,
            "sentence",
            i,
            s.start,
            s.end,
            s.text,
            speakers.get(i),
            frozenset(content_stems(s.text)) | figure_keys[i],
        )
        for i, s in enumerate(doc.sentences)
        if s.role != "byline"
    ]
    quotes = [
        Unit(doc.source_id, "quote", i, q.start, q.end, q.text, q.speaker, frozenset(content_stems(q.text)))
        for i, q in enumerate(doc.quotes)
        if len(q.text.split()) >= 2
    ]
    return sents, quotes


def figure_key(value: float, unit: str | None) -> str:
    """A stem standing for a figure, so sentences quoting the same number block together."""
    return f"#{value:g}{unit or ''}"


_MASS: dict[tuple[int, frozenset[str]], float] = {}
_FIGURES: dict[int, frozenset[str]] = {}  # the figure stems of an idf table, within one alignment


def _mass(stems: frozenset[str], idf: dict[str, float]) -> float:
    """Total idf weight of a stem set, memoised per (idf table, set) within one alignment."""
    key = (id(idf), stems)
    mass = _MASS.get(key)
    if mass is None:
        mass = _MASS[key] = math.fsum(map(idf.get, stems, repeat(1.0)))
    return mass


def _figure_stems(idf: dict[str, float]) -> frozenset[str]:
    figures = _FIGURES.get(id(idf))
    if figures is None:
        figures = _FIGURES[id(idf)] = frozenset(s for s in idf if s.startswith("#"))
    return figures


def similarity(a: Unit, b: Unit, idf: dict[str, float]) -> float:
    """idf-weighted overlap coefficient of content stems; for short quotes, also fuzzy text similarity."""
    shared = a.stems & b.stems
    if not shared:
        return 0.0
    # fsum is exactly rounded, so the result does not depend on the (hash-seeded) order of the sets
    wa, wb = _mass(a.stems, idf), _mass(b.stems, idf)
    shared_w = math.fsum(map(idf.get, shared, repeat(1.0)))
    if a.kind == "quote":
        score = _quote_similarity(a, b, shared, shared_w / max(1e-9, min(wa, wb)))
        if a.speaker and b.speaker and a.speaker.split()[-1] == b.speaker.split()[-1] and shared_w >= _SAME_SPEAKER_W:
            # one speaker, much rare vocabulary in common: two translations of one remark
            score = max(score, 0.55)
        return score
    # overlap coefficient, shrunk when little is shared in absolute terms (two common words prove nothing)
    score = shared_w / max(1e-9, min(wa, wb)) * (shared_w / (shared_w + _EVIDENCE_WEIGHT))
    if not shared.isdisjoint(_figure_stems(idf)):  # (every sentence stem is in idf, figure stems start with '#')
        score += 0.25  # the same figure in both is strong evidence of the same statement
    return min(1.0, score)


def _quote_similarity(a: Unit, b: Unit, shared: frozenset[str], overlap: float) -> float:
    """Quotes: very short ones by their characters ('strong as a rock' ~ 'solid as a rock'), others need
    two shared content words, and a short excerpt of a long quote is damped only mildly."""
    if min(len(a.text), len(b.text)) < 30:
        return fuzz.ratio(normalise_text(a.text), normalise_text(b.text)) / 100 * 0.95
    if len(shared) < 2:
        return 0.0
    size = min(len(a.stems), len(b.stems)) / max(1, len(a.stems), len(b.stems))
    return min(1.0, overlap * size**0.25)


def cluster_units(units: list[Unit], idf: dict[str, float], threshold: float, kind: str) -> list[Group]:
    """Leader clustering over an inverted index of rare stems: each unit meets only a few candidate groups."""
    groups: list[Group] = []
    index: dict[str, list[int]] = defaultdict(list)
    cap = max(50, int(math.sqrt(len(units)) * 8))  # posting lists longer than this are not consulted
    # Versions of one text repeat sentences: a unit's look-up keys depend on its stems only, and a sentence's
    # similarity on the two stem sets only (on 50 long articles 60% of the comparisons had been made before).
    memo: dict[tuple[frozenset[str], frozenset[str]], float] = {}
    keys_of: dict[frozenset[str], list[str]] = {}
    for unit in units:
        keys = keys_of.get(unit.stems)
        if keys is None:
            keys = keys_of[unit.stems] = sorted(unit.stems, key=lambda s: (-idf.get(s, 0.0), s))[:_KEYS_PER_UNIT]
        votes: Counter[int] = Counter()
        for k in keys:
            posting = index.get(k, [])
            if len(posting) <= cap:
                votes.update(posting)
        best, best_score = None, 0.0
        for gi, _ in votes.most_common(_CANDIDATES):
            members = groups[gi].units
            # the representative and the latest member: a paraphrase chain still joins its group
            for member in (members[0], members[-1]) if len(members) > 1 else members:
                if member.doc == unit.doc and member.index == unit.index:
                    continue
                if kind == "sentence":
                    pair = (unit.stems, member.stems)
                    score = memo.get(pair)
                    if score is None:
                        score = memo[pair] = similarity(unit, member, idf)
                else:
                    score = similarity(unit, member, idf)
                if score > best_score:
                    best, best_score = gi, score
        if best is not None and best_score >= threshold:
            groups[best].units.append(unit)
            groups[best].scores.append(best_score)
            target = best
        else:
            groups.append(Group(kind, [unit], [1.0]))  # type: ignore[arg-type]
            target = len(groups) - 1
        for k in keys:
            if target not in index[k][-3:]:
                index[k].append(target)
    return groups


def align(docs: list[Document], threshold: float, quote_threshold: float | None = None) -> Alignment:
    """Group the sentences and quotes of all documents that report the same thing."""
    sentences: list[Unit] = []
    quotes: list[Unit] = []
    for doc in docs:
        s, q = units_of(doc)
        sentences.extend(s)
        quotes.extend(q)
    df: Counter[str] = Counter()
    for u in sentences:
        df.update(u.stems)
    n = max(1, len(sentences))
    # pseudo-count: in a cluster of two short articles every shared word would otherwise weigh nothing
    idf = {s: math.log((n + _IDF_PSEUDO) / (c + 0.5)) for s, c in df.items()}
    try:
        return Alignment(
            sentence_groups=cluster_units(sentences, idf, threshold, "sentence"),
            quote_groups=cluster_units(quotes, idf, quote_threshold or threshold, "quote"),
            idf=idf,
        )
    finally:
        _MASS.clear()  # the memos are only valid while this idf table lives
        _FIGURES.clear()
