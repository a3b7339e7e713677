"""Find prompt-injection text inside articles, so the briefing can mark it for the editor.

Article text is data, never instructions: the offline engine ignores such passages by construction and
LLM mode wraps articles in random delimiters. This detector only *reports* them; it never changes the
text, so every offset stays valid. Each hit is widened to its line (capped), so an editor sees context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reporter.models import Evidence, Source

# Phrases that address a language model rather than a reader. Kept narrow on purpose: a news article
# quoting "the system" or "instructions" must not be flagged, so each pattern needs a model-directed verb.
_PATTERNS: tuple[str, ...] = (
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:previous|prior|above|earlier|all|"
    r"any|your|the)\b[^.\n]{0,30}?\b(?:instructions?|prompts?)\b",
    r"\bsystem\s+(?:prompt|message|instructions?)\b",
    r"\byou\s+are\s+now\b",
    r"\bact\s+as\s+(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|different)\b",
    r"\bnew\s+instructions?\s*:",
    r"\b(?:do\s+not|don't|never)\s+(?:report|flag|mention|list)\b[^.\n]{0,40}?\b(?:discrepanc\w*|"
    r"flags?|conflicts?|errors?|problems?)\b",
    r"\breport\s+no\s+(?:discrepanc\w*|flags?|conflicts?|errors?|problems?)\b",
    r"\b(?:as\s+an?\s+)?(?:ai|language)\s+model\s*,?\s+(?:you|your)\b",
    r"<\|?\s*(?:im_start|im_end|system|endoftext)\s*\|?>",
    r"\[/?(?:INST|SYS)\]",
    r"^\s*(?:system|assistant)\s*:",
)
# The lookahead holds every pattern's possible first characters (whitespace for the line-start one): it changes
# no match, and lets the scan pass most positions of an article at once (a quarter of the time).
_DETECTOR = re.compile(r"(?=[abdfilnorsy<\[\s])(?:" + "|".join(f"(?:{p})" for p in _PATTERNS) + ")",
                       re.IGNORECASE | re.MULTILINE)

# A hit is shown with its line around it, but never more than this many characters each side.
_CONTEXT = 200


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow [start, end) to the enclosing line, at most _CONTEXT characters each way, trimmed of blanks."""
    lo = max(text.rfind("\n", max(0, start - _CONTEXT), start) + 1, start - _CONTEXT, 0)
    nl = text.find("\n", end, end + _CONTEXT)
    hi = nl if nl != -1 else min(len(text), end + _CONTEXT)
    while lo < start and text[lo].isspace():
        lo += 1
    while hi > end and text[hi - 1].isspace():
        hi -= 1
    return lo, hi


def find_suspicious(source: Source) -> list[Evidence]:
    """Spans of one source that read like instructions to a model; verbatim, merged when they overlap."""
    text = source.text
    spans: list[tuple[int, int]] = []
    for match in _DETECTOR.finditer(text):
        lo, hi = _widen(text, match.start(), match.end())
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return [Evidence(source_id=source.id, text=text[lo:hi], start=lo, end=hi) for lo, hi in spans]


def find_all_suspicious(sources: Iterable[Source]) -> list[Evidence]:
    """Suspicious spans of every source, in source order."""
    return [ev for source in sources for ev in find_suspicious(source)]
