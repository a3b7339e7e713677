"""Excerpts of a source around a flagged span: the sentence it sits in, and the words that attribute it.

Render (brief.md/html), the terminal review and the web page all show a bare span (a misspelt word,
a garbled phrase, a quote) inside the sentence around it, so the editor can judge it without opening
the article. Only plain offsets are returned; each caller escapes for its own medium.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from reporter.abbreviations import ends_in_abbreviation

if TYPE_CHECKING:
    from reporter.models import Evidence, Source

MAX_SIDE_CHARS = 220  # context kept on each side of the span, at most
SHORT_SPAN_CHARS = 40  # a span this short (a number, a few words) is shown in its sentence, whatever the kind
# A sentence ends at . ! ? (optionally followed by closing quotes) before white space, or at a blank line.
_SENTENCE_END = re.compile(r"[.!?][”’\"')\]]*\s+|\n\s*\n")
_TITLE = r"(?:(?:Mr|Mrs|Ms|Dr|President|Minister|Prime Minister|Foreign Minister)\.?\s+)?"
_ENDS_SENTENCE = re.compile(r"[.!?][”’\"')\]]*$")
_NAME = _TITLE + r"[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){0,2}"
_VERB = (r"(?:said|says|say|told|telling|tells|added|adding|stated|states|predicted|predicting|noted|noting|"
         r"highlighted|welcomed|argued|warned|insisted|declared|announced|claimed|wrote|asked|replied|urged|vowed)")
# Words that carry an attribution: "Putin said", "Mr Wang told", "according to Lavrov", "he added".
ATTRIBUTION_CUE = re.compile(
    rf"\b{_NAME}\s+{_VERB}\b|\b(?:according to|credited to|quoted as saying)\s+{_NAME}"
    rf"|\b(?:he|she|they|it)\s+{_VERB}\b"
)


def sentence_bounds(text: str, start: int, end: int, max_side: int = MAX_SIDE_CHARS) -> tuple[int, int]:
    """[lo, hi) of the sentence(s) containing text[start:end], each side capped at `max_side` characters."""
    floor = max(0, start - max_side)
    lo = floor
    for m in _SENTENCE_END.finditer(text, floor, start):
        if m.end() <= start and not _abbreviated(text, m):
            lo = m.end()
    if lo == floor and floor > 0:  # no sentence start in reach: cut at a word boundary
        space = text.find(" ", floor, start)
        lo = space + 1 if space >= 0 else start
    ceiling = min(len(text), end + max_side)
    # from the span's last character: a span that ends its sentence ("…this year.") ends the window
    ends = _SENTENCE_END.finditer(text, max(start, end - 1), ceiling) if end < ceiling else iter(())
    m = next((m for m in ends if not _abbreviated(text, m)), None)
    if m:
        hi = m.start() + len(m.group().rstrip())
    elif ceiling < len(text):
        space = text.rfind(" ", end, ceiling)
        hi = space if space > end else end
    else:
        hi = len(text)
    return lo, max(hi, end)


def located(ev: Evidence, sources: Mapping[str, Source]) -> Source | None:
    """The source `ev` quotes, if its offsets still match the text (a brief.json may be edited or stale)."""
    src = sources.get(ev.source_id)
    return src if src is not None and src.text[ev.start : ev.end] == ev.text else None


def _abbreviated(text: str, stop: re.Match) -> bool:
    """A full stop after "Rep" or "Carolyn B" ends no sentence, unless a line ends there (the engine, too,
    splits paragraphs at line ends before it splits sentences)."""
    at = stop.start()
    return stop.group().rstrip() == "." and "\n" not in stop.group() \
        and ends_in_abbreviation(text[max(0, at - 60) : at], text[at + 1 : at + 13])


def around(text: str, start: int, end: int, max_side: int = MAX_SIDE_CHARS) -> tuple[str, str, str]:
    """(before, span, after) with before/after the rest of the span's sentence, '…' where cut short."""
    lo, hi = sentence_bounds(text, start, end, max_side)
    opened, closed = _cut_marks(text, lo, hi)
    return _oneline(opened + text[lo:start]), text[start:end], _oneline(text[end:hi] + closed)


def in_sentences(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """The sentence(s) holding several spans of one text ('…' where cut short), and the spans' offsets in it."""
    bounds = [sentence_bounds(text, a, b) for a, b in spans]
    lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
    opened, closed = _cut_marks(text, lo, hi)
    shift = len(opened) - lo
    return opened + text[lo:hi] + closed, [(a + shift, b + shift) for a, b in spans]


def _cut_marks(text: str, lo: int, hi: int) -> tuple[str, str]:
    """'…' before and after text[lo:hi] where it starts or ends inside a sentence."""
    opened = "…" if lo > 0 and not _starts_sentence(text, lo) else ""
    ends = _ENDS_SENTENCE.search(text, max(0, hi - 4), hi) or re.match(r"[ \t]*\n", text[hi:])
    closed = "…" if hi < len(text) and not ends else ""
    return opened, closed


def _starts_sentence(text: str, pos: int) -> bool:
    return bool(re.search(r"(?:[.!?][”’\"')\]]*\s+|\n\s*\n|^\s*)$", text[max(0, pos - 4) : pos]))


def _oneline(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def attribution_window(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to its sentence, and to the next or previous one when the attribution sits there."""
    lo, hi = sentence_bounds(text, start, end)
    if ATTRIBUTION_CUE.search(text, lo, hi):
        return lo, hi
    nlo, nhi = sentence_bounds(text, hi, min(len(text), hi + 1))  # "…," he said. in the next sentence
    if nhi > hi and ATTRIBUTION_CUE.search(text, hi, nhi):
        return lo, nhi
    if lo > 0:
        plo, _ = sentence_bounds(text, max(0, lo - 2), lo)
        if ATTRIBUTION_CUE.search(text, plo, lo):
            return plo, hi
    return lo, hi


def cue_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the attributing words in `text`."""
    return [m.span() for m in ATTRIBUTION_CUE.finditer(text)]


IN_SENTENCE_KINDS = ("spelling", "garbled_text")  # a bare word or phrase means little without its sentence


def excerpt(kind: str, text: str, start: int, end: int,
            max_side: int = MAX_SIDE_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """What to show for the evidence text[start:end] of a flag of `kind`, and the spans in it to emphasise.

    Attribution: the sentence widened to the words that attribute it, those words emphasised. Anything
    else: the span inside its sentence, the span emphasised. Offsets are into the returned excerpt.
    """
    if kind == "attribution_conflict":
        lo, hi = attribution_window(text, start, end)
        shown = text[lo:hi]
        return shown, cue_spans(shown)
    before, span, after = around(text, start, end, max_side)
    return before + span + after, [(len(before), len(before) + len(span))]
