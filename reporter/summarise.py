"""Summarise (offline): an extractive structured summary of each article from its parsed structure.

Everything in it is taken verbatim from the article, so it can't misquote; LLM mode replaces the
key points with abstractive ones (see `reporter.llm`).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

from rapidfuzz import fuzz, process

from reporter.evidence.structure import Document, Sentence
from reporter.models import ArticleSummary, Figure, Quote, Source

MAX_KEY_POINTS = 5
MAX_FIGURE_CONTEXT = 160
EVENT_PEERS = 64  # leads each lead is compared with when choosing the event line (keeps it linear)
_TERMINAL = re.compile(r"[.!?…][\"'”’)]*\s*$")  # a complete sentence, not a cut headline or a caption
_OUTLET_PATTERNS = [
    re.compile(r"^\s*\(([A-Z][A-Za-z&. ]{1,30})\)", re.M),  # "(CNN) China's top diplomat ..."
    re.compile(r"Writer's picture\s*(?:The )?([A-Z][^\n]{2,60})"),  # a Wix blog byline
    re.compile(r"^source:\s*([^\n]+?)(?:\s+with agencies)?\s*$", re.M | re.I),
    re.compile(r"\b(REUTERS|AFP|AP|Reuters)\s*$"),
]


def _in_spans(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def body_sentences(doc: Document) -> list[Sentence]:
    """Sentences of the article proper: no headline, byline or boilerplate."""
    return [s for s in doc.sentences if s.role == "body" and not _in_spans(s.start, s.end, doc.boilerplate)]


def guess_outlet(source: Source, doc: Document) -> str | None:
    """The outlet as the text states it ("(CNN)", "source: commonspace.eu", "REUTERS"), if it does."""
    if source.outlet:
        return source.outlet
    for pattern in _OUTLET_PATTERNS:
        if match := pattern.search(source.text):
            return match.group(1).strip().strip(".").removeprefix("The ").strip() or None
    return None


def _figure_context(doc: Document, sentence: int) -> str:
    text = doc.sentences[sentence].text if 0 <= sentence < len(doc.sentences) else ""
    return text if len(text) <= MAX_FIGURE_CONTEXT else text[: MAX_FIGURE_CONTEXT - 1].rstrip() + "…"


def key_points(sentences: list[Sentence], limit: int = MAX_KEY_POINTS) -> list[str]:
    """The first sentence of each leading paragraph, skipping near-repeats: news puts what matters first."""
    points: list[str] = []
    seen_paragraphs: set[int] = set()
    for sent in sentences:
        if sent.paragraph in seen_paragraphs or len(sent.text.split()) < 6 or not _TERMINAL.search(sent.text):
            continue
        if any(fuzz.token_set_ratio(sent.text, p) > 85 for p in points):
            continue
        seen_paragraphs.add(sent.paragraph)
        points.append(sent.text)
        if len(points) == limit:
            break
    return points


def extractive_summary(source: Source, doc: Document) -> ArticleSummary:
    """Headline, outlet, byline, date, lead, key points, quotes and figures, all verbatim from the article."""
    body = body_sentences(doc)
    starts = [s.start for s in body]  # body sentences are in text order and disjoint

    def in_body(pos: int) -> bool:
        k = bisect.bisect_right(starts, pos) - 1
        return k >= 0 and pos < body[k].end

    quotes = [Quote(text=q.text, speaker=q.speaker, start=q.start, end=q.end) for q in doc.quotes if in_body(q.start)]
    figures = [Figure(text=f.text, measures=_figure_context(doc, f.sentence), start=f.start, end=f.end)
               for f in doc.figures if in_body(f.start)]
    points = key_points(body)
    return ArticleSummary(
        source_id=source.id,
        headline=doc.headline.text if doc.headline else source.title,
        outlet=guess_outlet(source, doc),
        byline=doc.byline or source.byline,
        date=doc.date or source.published,
        lead=points[0] if points else None,
        key_points=points[1:],
        quotes=quotes,
        figures=figures,
        method="extractive",
    )


# A wire dateline before the lead: 'WASHINGTON ―', 'MOSCOW (Reuters) -', 'BEIJING, Nov. 3 (Xinhua) --'.
_DATELINE = re.compile(r"[A-Z][A-Z.'’-]+(?:[ ,]+[A-Z][A-Z.'’-]+)*(?:,? [A-Z][a-z]{2,4}\.? \d{1,2})?"
                       r"(?: ?\([A-Za-z .]{2,30}\))? ?(?:[―—–]|--?) ?(?=[A-Z“\"‘'])")


def without_dateline(lead: str) -> str:
    """The lead without its wire dateline, for the briefing's one-line title (the summary keeps it verbatim)."""
    match = _DATELINE.match(lead)
    return lead[match.end():] if match and match.end() < len(lead) else lead


def event_line(summaries: list[ArticleSummary], disputed: list[str] | None = None) -> str:
    """The event in one line: the lead that shares most with the other sources' leads; never a lead or
    headline that states a disputed value (`disputed`: evidence texts of factual conflicts) as settled.

    Near-linear: identical leads are scored once (weighted by how many sources use them), and each lead is
    compared with the `EVENT_PEERS` leads most sources share rather than with every other lead; up to that
    many distinct leads, this is exactly the all-pairs choice.
    """
    def settled(text: str) -> bool:
        return not any(d and d in text for d in disputed or ())

    leads = [s.lead for s in summaries if s.lead and settled(s.lead)]
    if not leads:
        heads = [s.headline for s in summaries if s.headline and settled(s.headline)]
        if not heads and any(s.lead or s.headline for s in summaries):
            return f"One event reported by {len(summaries)} sources (their leads disagree on a fact)"
        return heads[0] if heads else "Untitled event"
    uses = Counter(leads)  # first-seen order: ties go to the earliest lead, as before
    if len(uses) == 1:
        return without_dateline(leads[0])
    peers = sorted(uses, key=lambda lead: -uses[lead])[:EVENT_PEERS]

    def shared(lead: str) -> float:
        others = process.extract(lead, peers, scorer=fuzz.token_set_ratio, limit=None)
        return (uses[lead] - 1) * 100 + sum(score * uses[peers[k]] for _, score, k in others if peers[k] != lead)

    return without_dateline(max(uses, key=shared))
