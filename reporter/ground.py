"""Grounding guard: model-quoted text is kept only where code finds it verbatim in the named source.

"Verbatim" tolerates only differences in white space and quotation-mark style. Offsets are computed
here, on the ORIGINAL text, never taken from the model: every `Evidence` built here satisfies
`evidence.text == source.text[evidence.start:evidence.end]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reporter.models import Evidence, GroundingRemoval, Source

# Curly, low and prime quotation marks all count as the plain ones; the model may retype either.
_QUOTE_FOLD = {
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "ʼ": "'", "‹": "'", "›": "'",
}
_STRIP = " \t\r\n\"'"


def _fold(text: str) -> tuple[str, list[int]]:
    """Text with white-space runs collapsed and quotes folded, plus each folded char's original index."""
    chars: list[str] = []
    index: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            pending_space = bool(chars)
            continue
        if pending_space:
            chars.append(" ")
            index.append(i - 1)
            pending_space = False
        chars.append(_QUOTE_FOLD.get(ch, ch))
        index.append(i)
    return "".join(chars), index


def _needle(text: str) -> str:
    """The folded form of a model-given quote, without surrounding space or quotation marks."""
    folded, _ = _fold(text)
    return folded.strip(_STRIP)


@dataclass
class Grounder:
    """Finds model-quoted spans in the sources; caches each source's folded text."""

    sources: Mapping[str, Source]
    _folded: dict[str, tuple[str, list[int]]] = field(default_factory=dict)

    def locate(self, source_id: str, quoted: str) -> Evidence | None:
        """Evidence for `quoted` in source `source_id` with code-computed offsets, or None if absent."""
        source = self.sources.get(source_id)
        needle = _needle(quoted)
        if source is None or not needle:
            return None
        if source_id not in self._folded:
            self._folded[source_id] = _fold(source.text)
        haystack, index = self._folded[source_id]
        pos = haystack.find(needle)
        if pos < 0:
            return None
        start, end = index[pos], index[pos + len(needle) - 1] + 1
        return Evidence(source_id=source_id, text=source.text[start:end], start=start, end=end)

    def ground(
        self, items: Iterable[tuple[str, str]], title: str
    ) -> tuple[list[Evidence], list[GroundingRemoval]]:
        """Split model evidence `(source_id, text)` into grounded spans and listed removals."""
        kept: list[Evidence] = []
        removed: list[GroundingRemoval] = []
        for source_id, quoted in items:
            found = self.locate(source_id, quoted)
            if found is None:
                removed.append(GroundingRemoval(source_id=source_id, text=quoted, discrepancy_title=title))
            elif found not in kept:
                kept.append(found)
        return kept, removed
