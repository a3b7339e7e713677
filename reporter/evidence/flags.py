"""Building, merging and ordering Discrepancy flags; the cluster context every detector reads."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from reporter.config import EvidenceThresholds
from reporter.evidence.align import Alignment, Unit
from reporter.evidence.structure import Document
from reporter.ids import discrepancy_id
from reporter.models import SEVERITY_RANK, Discrepancy, Evidence

_TOKEN = re.compile(r"[A-Za-z\u00C0-\u024F]+(?:['’][A-Za-z]+)?")


@dataclass
class Cluster:
    """All documents of one run, their alignment, and cluster-wide vocabulary.

    The vocabulary (`word_docs`, `bigrams`, `followers`) is collected on first use: only the spelling check
    reads it, and on a big run that check runs in a forked child (`reporter.evidence`), so this process
    never pays for it."""

    docs: dict[str, Document]
    alignment: Alignment
    thresholds: EvidenceThresholds
    aliases: set[str] = field(default_factory=set)  # name parts used alone somewhere ('Wang', 'Xi')

    @classmethod
    def build(cls, docs: dict[str, Document], alignment: Alignment, thresholds: EvidenceThresholds) -> Cluster:
        """The cluster of these documents (boilerplate excluded from its vocabulary)."""
        cluster = cls(docs, alignment, thresholds)
        for doc in docs.values():
            for name in doc.names:
                if name.kind == "person" and " " not in name.text:
                    cluster.aliases.add(name.text)
        return cluster

    @cached_property  # (then a plain attribute: it is read for every word the spelling check looks at)
    def word_docs(self) -> dict[str, set[str]]:
        """Lower-cased word -> the sources using it."""
        return self._vocabulary[0]

    @cached_property
    def bigrams(self) -> Counter[tuple[str, str]]:
        """Lower-cased adjacent word pairs, counted."""
        return self._vocabulary[1]

    @cached_property
    def _vocabulary(self) -> tuple[dict[str, set[str]], Counter[tuple[str, str]]]:
        word_docs: dict[str, set[str]] = defaultdict(set)
        bigrams: Counter[tuple[str, str]] = Counter()
        for sid, doc in self.docs.items():
            used: set[str] = set()
            for sent in doc.sentences:
                words, pairs = _sentence_vocabulary(sent.text)
                used.update(words)
                bigrams.update(pairs)
            for word in used:
                word_docs[word].add(sid)
        return dict(word_docs), bigrams

    @cached_property
    def followers(self) -> dict[str, set[str]]:
        """Word -> the words seen right after it."""
        followers: dict[str, set[str]] = defaultdict(set)
        for a, b in self.bigrams:
            followers[a].add(b)
        return dict(followers)

    def attested_elsewhere(self, word: str, source_id: str) -> bool:
        """The word (any case) occurs in another source of the cluster."""
        users = self.word_docs.get(word.lower().replace("’", "'"))  # constant time: no set copied per word
        return bool(users) and (len(users) > 1 or source_id not in users)

    def same_person(self, a: str, b: str) -> bool:
        """Two speaker names denote the same person (shared surname, or shared name used alone)."""
        if a == b:
            return True
        pa, pb = a.split(), b.split()
        if pa[-1] == pb[-1]:
            return True
        return pa[0] == pb[0] and pa[0] in self.aliases

    def named_speaker(self, quote: Unit) -> str | None:
        """The speaker a source names for a quote unit; None when unnamed or read from 'he said' (a guess)."""
        span = self.docs[quote.doc].quotes[quote.index]
        return span.speaker if span.speaker and not span.inferred else None

    def is_person(self, name: str | None) -> bool:
        """The name is a person in at least one document."""
        return bool(name) and any(name in d.persons.values() for d in self.docs.values())


@lru_cache(maxsize=50_000)  # versions of one text repeat most sentences word for word: each is read once
def _sentence_vocabulary(text: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """A sentence's words (lower case, straight apostrophe) and its adjacent word pairs (lower case)."""
    toks = _TOKEN.findall(text)
    low = [t.lower() for t in toks]
    return frozenset(t.replace("’", "'") for t in low), tuple(zip(low, low[1:], strict=False))


def evidence(doc: Document, start: int, end: int) -> Evidence:
    """A verbatim span of a document."""
    return Evidence(source_id=doc.source_id, text=doc.text[start:end], start=start, end=end)


def sentence_evidence(doc: Document, index: int) -> Evidence:
    """The whole sentence as evidence."""
    s = doc.sentences[index]
    return evidence(doc, s.start, s.end)


def make_flag(
    kind: str,
    detector: str,
    severity: str,
    title: str,
    explanation: str,
    spans: list[Evidence],
    confidence: float,
    suggestion: str | None = None,
) -> Discrepancy:
    """A Discrepancy with a stable id derived from kind and evidence."""
    return Discrepancy(
        id=discrepancy_id(kind, spans),
        kind=kind,  # type: ignore[arg-type]
        severity=severity,  # type: ignore[arg-type]
        title=title,
        explanation=explanation,
        evidence=spans,
        suggestion=suggestion,
        confidence=round(min(1.0, max(0.0, confidence)), 3),
        origin="evidence",
        detector=detector,
    )


_BUCKET = 512  # characters per bucket of the span index: evidence is sentence-sized, so a span meets few


class SpanIndex:
    """Spans by (key, source, offset bucket): the overlapping ones are found without scanning every span."""

    def __init__(self) -> None:
        self._buckets: dict[tuple, list[tuple[int, int, int, int]]] = defaultdict(list)
        self._seq = 0

    def add(self, key: tuple, start: int, end: int, value: int) -> None:
        self._seq += 1
        for b in range(start // _BUCKET, (max(start, end - 1)) // _BUCKET + 1):
            self._buckets[(*key, b)].append((start, end, self._seq, value))

    def any_containing(self, key: tuple, start: int, end: int) -> bool:
        """Some span holds all of [start, end) (it then holds `start`, so one bucket answers)."""
        return any(s <= start and end <= t for s, t, _, _ in self._buckets.get((*key, start // _BUCKET), ()))

    def first_overlap(self, key: tuple, start: int, end: int) -> int | None:
        """The value of the earliest-added span overlapping [start, end), if any."""
        best: tuple[int, int] | None = None
        for b in range(start // _BUCKET, (max(start, end - 1)) // _BUCKET + 1):
            for s, t, seq, value in self._buckets.get((*key, b), ()):
                if s < end and start < t and (best is None or seq < best[0]):
                    best = (seq, value)
        return None if best is None else best[1]


def merge_flags(flags: list[Discrepancy]) -> list[Discrepancy]:
    """One flag per problem: same-kind flags with overlapping evidence merge, the stronger one is kept with
    the union of evidence (a span overlapping one it already has widens it to their union: both are verbatim
    spans of one source, so the union is one too); flags of different kinds on identical evidence keep only
    the more confident.

    Near-linear in the number of evidence spans: overlaps are looked up in offset buckets, and a merged
    flag's id is computed once, at the end.
    """
    kept: list[Discrepancy] = []
    spans_of: list[list[Evidence]] = []  # evidence of each kept flag, growing as flags merge into it
    widened: set[int] = set()  # kept flags whose evidence holds overlapping spans, to be joined at the end
    by_spans: set[frozenset[tuple[str, int, int]]] = set()
    by_kind = SpanIndex()  # (kind, source) -> spans of kept flags, valued by their index in `kept`
    own = SpanIndex()  # (kept index, source) -> that flag's spans
    for flag in sorted(flags, key=sort_key):
        key = frozenset((e.source_id, e.start, e.end) for e in flag.evidence)
        if key in by_spans:
            continue
        target = next((t for e in flag.evidence
                       if (t := by_kind.first_overlap((flag.kind, e.source_id), e.start, e.end)) is not None), None)
        if target is None:
            kept.append(flag)
            spans_of.append(list(flag.evidence))
            target = len(kept) - 1
            extra = flag.evidence
        else:
            extra = []
            for e in flag.evidence:
                if own.first_overlap((target, e.source_id), e.start, e.end) is None:
                    extra.append(e)
                elif not own.any_containing((target, e.source_id), e.start, e.end):
                    extra.append(e)  # reaches past what the kept flag shows there: joined with it below
                    widened.add(target)
            spans_of[target].extend(extra)
        by_spans.add(key)
        for e in extra:
            by_kind.add((flag.kind, e.source_id), e.start, e.end, target)
            own.add((target, e.source_id), e.start, e.end, target)
    for target in widened:
        spans_of[target] = joined(spans_of[target])
    merged = [k if spans == k.evidence else
              k.model_copy(update={"evidence": spans, "id": discrepancy_id(k.kind, spans)})
              for k, spans in zip(kept, spans_of, strict=True)]
    return _one_per_id(sorted(merged, key=sort_key))


def _one_per_id(flags: list[Discrepancy]) -> list[Discrepancy]:
    """Flags with one id (the same kind on the same words of the same sources: 'legalizations' misspelt twice
    in one article) as one flag showing every place; ids are what reviews are keyed on, so they must be unique.
    The union's id is the same, as an id depends on the evidence texts, not on where they stand."""
    out: list[Discrepancy] = []
    at: dict[str, int] = {}
    for flag in flags:
        i = at.get(flag.id)
        if i is None:
            at[flag.id] = len(out)
            out.append(flag)
        else:
            out[i] = out[i].model_copy(update={"evidence": [*out[i].evidence, *flag.evidence]})
    return out


def joined(spans: list[Evidence]) -> list[Evidence]:
    """The spans with every overlapping pair of one source replaced by their union, at the first one's place."""
    out: list[Evidence | None] = []
    where: dict[str, list[int]] = defaultdict(list)  # source -> indices in `out` of its spans
    for e in spans:
        hits = [i for i in where[e.source_id] if (u := out[i]) is not None and u.start < e.end and e.start < u.end]
        if not hits:
            where[e.source_id].append(len(out))
            out.append(e)
            continue
        for i in hits:
            e = _union(out[i], e)  # type: ignore[arg-type]
            out[i] = None
        out[hits[0]] = e
    return [e for e in out if e is not None]


def _union(a: Evidence, b: Evidence) -> Evidence:
    """Two overlapping verbatim spans of one source as one span."""
    if b.start < a.start:
        a, b = b, a
    text = a.text + b.text[a.end - b.start:] if b.end > a.end else a.text
    return Evidence(source_id=a.source_id, text=text, start=a.start, end=max(a.end, b.end))


def sort_key(flag: Discrepancy) -> tuple[int, float, str, str]:
    """Most severe first, then most confident, then stable by kind and id."""
    return (SEVERITY_RANK[flag.severity], -flag.confidence, flag.kind, flag.id)
