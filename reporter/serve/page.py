"""What the review page shows, as plain data for the template: flags in reading order, each source's
text cut into segments so every flagged span can be highlighted in context.

Nothing here produces markup: the Jinja2 template escapes every string (autoescape), so article text,
titles and notes can never become active content.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from reporter.excerpt import IN_SENTENCE_KINDS, SHORT_SPAN_CHARS, excerpt, located
from reporter.models import Brief, Discrepancy, Source
from reporter.render import (
    LONG_EVIDENCE_CHARS,
    MODE_TEXT,
    QUOTE_MARKS,
    SAFE_URL,
    kind_label,
    ordered,
    source_label,
    with_labels,
)
from reporter.review import STATUSES, review_summary_line, status_of

STATUS_LABELS = {"open": "open", "confirmed": "confirmed", "dismissed": "dismissed", "needs-check": "needs check"}


@dataclass
class Piece:
    """A run of evidence text; `strong` marks the flagged span or the attributing words."""

    text: str
    strong: bool = False


@dataclass
class EvidenceView:
    source_id: str
    source_name: str
    anchor: str  # id of the highlight in the article view, '' when the span is not at its offsets
    pieces: list[Piece]
    long: bool
    words: int
    preview: str
    quoted: bool = False  # the shown text has its own quotation marks: no <q> around it (no doubled marks)


@dataclass
class FlagView:
    flag: Discrepancy
    number: int
    title: str
    explanation: str
    suggestion: str | None
    kind_label: str
    status: str
    evidence: list[EvidenceView]
    source_ids: list[str]
    bulk: list[tuple[str, str, int]]  # (source id, source name, open flags of this kind there)


@dataclass
class Segment:
    text: str
    flag_ids: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    severity: str = ""


@dataclass
class SourceView:
    source: Source
    name: str
    segments: list[Segment]
    flags: int
    link: str | None = None  # the source's URL when it is http(s); anything else is shown as text only


@dataclass
class PageView:
    brief: Brief
    event: str
    mode: str
    note: str | None
    summary: str
    flags: list[FlagView]
    sources: list[SourceView]
    kinds: list[tuple[str, str, int]]
    severities: list[tuple[str, int]]
    statuses: list[tuple[str, str, int]]


def _anchor(flag_id: str, index: int) -> str:
    return f"ev-{flag_id}-{index}"


def _located(flag: Discrepancy, sources: dict[str, Source]) -> list[bool]:
    return [located(e, sources) is not None for e in flag.evidence]


def _pieces(flag: Discrepancy, index: int, source: Source | None) -> list[Piece]:
    ev = flag.evidence[index]
    if source is None or len(ev.text) > LONG_EVIDENCE_CHARS:
        return [Piece(ev.text)]
    if flag.kind in (*IN_SENTENCE_KINDS, "attribution_conflict") or len(ev.text) < SHORT_SPAN_CHARS:
        text, strong = excerpt(flag.kind, source.text, ev.start, ev.end)
        out, pos = [], 0
        for a, b in strong:
            out += [Piece(text[pos:a]), Piece(text[a:b], strong=True)]
            pos = b
        return [*out, Piece(text[pos:])]
    return [Piece(ev.text)]


def _segments(source: Source, spans: list[tuple[int, int, str, str, str]]) -> list[Segment]:
    """The text cut at every span boundary; each segment lists the flags whose evidence covers it.

    One sweep over the boundaries with the spans open at each point, so a source with thousands of
    flagged spans costs (boundaries x spans open at once), not boundaries x all spans.
    """
    cuts = sorted({0, len(source.text), *(s for s, _, _, _, _ in spans), *(e for _, e, _, _, _ in spans)})
    rank = {"high": 0, "medium": 1, "low": 2}
    by_start = sorted(spans, key=lambda sp: sp[0])
    out: list[Segment] = []
    placed: set[str] = set()
    active: list[tuple[int, int, str, str, str]] = []
    nxt = 0
    for a, b in zip(cuts, cuts[1:], strict=False):
        while nxt < len(by_start) and by_start[nxt][0] <= a:
            active.append(by_start[nxt])
            nxt += 1
        active = [sp for sp in active if sp[1] > a]
        covering = [sp for sp in active if b <= sp[1]]
        seg = Segment(source.text[a:b])
        if covering:
            seg.flag_ids = list(dict.fromkeys(sp[2] for sp in covering))
            seg.severity = min((sp[4] for sp in covering), key=lambda s: rank.get(s, 3))
            seg.anchors = [sp[3] for sp in covering if sp[3] not in placed]
            placed.update(seg.anchors)
        out.append(seg)
    return out


def build(brief: Brief) -> PageView:
    """The whole page's data from a briefing with its decisions attached."""
    labels = source_label(brief)
    sources = {s.id: s for s in brief.sources}
    flags = ordered(brief.discrepancies)
    open_by_kind_source = Counter(
        (f.kind, sid) for f in flags if status_of(f) == "open" for sid in {e.source_id for e in f.evidence}
    )
    views: list[FlagView] = []
    spans: dict[str, list[tuple[int, int, str, str, str]]] = {s.id: [] for s in brief.sources}
    for number, flag in enumerate(flags, 1):
        located = _located(flag, sources)
        evidence = []
        for i, ev in enumerate(flag.evidence):
            anchor = _anchor(flag.id, i) if located[i] else ""
            if anchor:
                spans[ev.source_id].append((ev.start, ev.end, flag.id, anchor, flag.severity))
            pieces = _pieces(flag, i, sources.get(ev.source_id) if located[i] else None)
            evidence.append(EvidenceView(
                source_id=ev.source_id, source_name=labels.get(ev.source_id, ev.source_id), anchor=anchor,
                pieces=pieces, long=len(ev.text) > LONG_EVIDENCE_CHARS, words=len(ev.text.split()),
                preview=" ".join(ev.text.split())[:120],
                quoted=any(QUOTE_MARKS.search(p.text) for p in pieces)))
        source_ids = list(dict.fromkeys(e.source_id for e in flag.evidence))
        views.append(FlagView(
            flag=flag, number=number, title=with_labels(flag.title, labels),
            explanation=with_labels(flag.explanation, labels),
            suggestion=with_labels(flag.suggestion, labels) if flag.suggestion else None,
            kind_label=kind_label(flag.kind), status=status_of(flag), evidence=evidence, source_ids=source_ids,
            bulk=[(sid, labels.get(sid, sid), open_by_kind_source[(flag.kind, sid)]) for sid in source_ids
                  if open_by_kind_source[(flag.kind, sid)] > 1]))
    per_source = Counter(sid for f in flags for sid in {e.source_id for e in f.evidence})
    source_views = [SourceView(source=s, name=labels[s.id], segments=_segments(s, spans[s.id]),
                               flags=per_source.get(s.id, 0),
                               link=s.url if s.url and SAFE_URL.fullmatch(s.url) else None)
                    for s in brief.sources]
    kinds = Counter(f.kind for f in flags)
    sev = Counter(f.severity for f in flags)
    stat = Counter(status_of(f) for f in flags)
    return PageView(
        brief=brief, event=brief.event, mode=MODE_TEXT.get(brief.run.mode, brief.run.mode), note=brief.run.note,
        summary=review_summary_line(brief), flags=views, sources=source_views,
        kinds=[(k, kind_label(k), n) for k, n in sorted(kinds.items())],
        severities=[(s, sev[s]) for s in ("high", "medium", "low")],
        statuses=[(s, STATUS_LABELS[s], stat[s]) for s in STATUSES],
    )
