"""What the evidence engine compares: each source's text in Unicode NFC with lone CRs read as line breaks,
while every offset the briefing shows stays on the text exactly as decoded.

The same article saved in NFC ("é" one code point) and in NFD ("e" + combining accent) must not give a
false attribution conflict or a spelling flag, and an old Mac file with CR-only line endings must not read
as one long line. So the engine analyses a *comparable copy*; `OffsetMap` carries its offsets back to the
original text, and `to_original` rewrites every Evidence, Quote and Figure the engine produced, re-cutting
their text from the original so that `text == source.text[start:end]` holds as everywhere else.

A lone CR becomes LF (same length, offsets unchanged). NFC is applied per segment starting at a starter
(combining class 0), which maps each segment of the copy onto one segment of the original; in the rare
case where composing across segments changes the result (some Hangul jamo sequences), the source is left
as it is.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from reporter.models import ArticleSummary, Evidence, Figure, Quote, Source

_LONE_CR = re.compile(r"\r(?!\n)")


class OffsetMap:
    """Offsets in the comparable copy -> offsets in the original text."""

    def __init__(self, original: str, copy_starts: list[int], orig_starts: list[int]) -> None:
        self.original = original
        self._copy_starts = copy_starts  # start offset of each segment in the copy (ascending)
        self._orig_starts = orig_starts  # the same segment's start in the original
        self._copy_len = copy_starts[-1] if copy_starts else 0

    @classmethod
    def identity(cls, original: str) -> OffsetMap:
        """Same offsets (the copy differs only in same-length replacements, e.g. CR -> LF)."""
        return cls(original, [], [])

    def start(self, offset: int) -> int:
        """The original offset of the segment holding copy offset `offset`."""
        if not self._copy_starts:
            return offset
        i = bisect.bisect_right(self._copy_starts, offset) - 1
        return self._orig_starts[max(i, 0)]

    def end(self, offset: int) -> int:
        """The original offset just past the segment holding copy offset `offset - 1`."""
        if not self._copy_starts or offset <= 0:
            return max(offset, 0)
        i = bisect.bisect_left(self._copy_starts, offset)
        return self._orig_starts[min(i, len(self._orig_starts) - 1)]


def comparable_copy(source: Source) -> tuple[Source, OffsetMap | None]:
    """The copy of `source` the engine analyses, and the map back (None when the copy is the text itself)."""
    text = _LONE_CR.sub("\n", source.text) if "\r" in source.text else source.text
    same_length = (source, None) if text == source.text else (source.model_copy(update={"text": text}),
                                                               OffsetMap.identity(source.text))
    if unicodedata.is_normalized("NFC", text):
        return same_length
    pieces: list[str] = []
    copy_starts: list[int] = []
    orig_starts: list[int] = []
    at = 0
    seg = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or unicodedata.combining(text[i]) == 0:
            piece = unicodedata.normalize("NFC", text[seg:i])
            copy_starts.append(at)
            orig_starts.append(seg)
            pieces.append(piece)
            at += len(piece)
            seg = i
    copy = "".join(pieces)
    if copy != unicodedata.normalize("NFC", text):
        return same_length
    copy_starts.append(at)
    orig_starts.append(len(text))
    return source.model_copy(update={"text": copy}), OffsetMap(source.text, copy_starts, orig_starts)


def to_original(value: Any, maps: dict[str, OffsetMap], source_id: str | None = None) -> Any:
    """`value` (a model, or lists/dicts of them) with every span moved back onto its source's original text."""
    if not maps:
        return value
    if isinstance(value, list):
        return [to_original(v, maps, source_id) for v in value]
    if isinstance(value, tuple):
        return tuple(to_original(v, maps, source_id) for v in value)
    if isinstance(value, dict):
        return {k: to_original(v, maps, source_id) for k, v in value.items()}
    if not isinstance(value, BaseModel):
        return value
    if isinstance(value, Evidence):
        return _moved(value, maps.get(value.source_id))
    if isinstance(value, (Quote, Figure)):
        return _moved(value, maps.get(source_id or ""))
    owner = value.source_id if isinstance(value, ArticleSummary) else source_id
    updates = {}
    for name in type(value).model_fields:
        old = getattr(value, name)
        new = to_original(old, maps, owner)
        if new is not old:
            updates[name] = new
    return value.model_copy(update=updates) if updates else value


def _moved(span: Any, mapping: OffsetMap | None) -> Any:
    if mapping is None:
        return span
    start, end = mapping.start(span.start), mapping.end(span.end)
    return span.model_copy(update={"start": start, "end": end, "text": mapping.original[start:end]})


def copies_for(sources: Iterable[Source]) -> tuple[list[Source], dict[str, OffsetMap]]:
    """Comparable copies of `sources`, and the offset maps of those that changed."""
    copies: list[Source] = []
    maps: dict[str, OffsetMap] = {}
    for source in sources:
        copy, mapping = comparable_copy(source)
        copies.append(copy)
        if mapping is not None:
            maps[source.id] = mapping
    return copies, maps
