"""A Python-Markdown extension that changes no output, only its speed: plain text skips the inline patterns.

Python-Markdown tries each of its inline patterns (code, escapes, links, images, autolinks, raw HTML,
entities, line breaks, emphasis) on every piece of text of the tree, one regular expression search and a few
Python calls each. A long briefing holds tens of thousands of such pieces, most of them plain prose (key
points, quotes, table cells) with none of the characters any of those patterns needs; converting it spent
most of its time finding nothing. This tree processor runs just before the inline one and marks such text
as `AtomicString`, Python-Markdown's documented "leave this text as it is" type, which is what the inline
processor would have returned for it anyway.

Every inline pattern of the known ones needs at least one character of `_TRIGGERS` in its match (a
backtick or backslash, '[', '<', '&', '*' or '_', the newline of a hard line break); the placeholders
Python-Markdown itself puts in text (STX/ETX) count as triggers too. When the Markdown instance has an
inline pattern this module does not know (a newer Python-Markdown, another extension), the extension does
nothing, so the output is always what plain Python-Markdown gives.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

_TRIGGERS = re.compile(r"[`\\\[<&*_\n\x02\x03]")
# Python-Markdown's inline patterns from 3.5 on; each one's match holds one of _TRIGGERS.
KNOWN_PATTERNS = frozenset({
    "backtick", "escape", "reference", "link", "image_link", "image_reference", "short_reference",
    "short_image_ref", "autolink", "automail", "linebreak", "html", "entity", "not_strong", "em_strong",
    "em_strong2",
})  # fmt: skip


def conversion_cost(line: str) -> int:
    """About how much converting one line of Markdown costs, for cutting a briefing into parts of equal work:
    a fixed cost per line, and per character about three times as much where the inline patterns run (fitted on
    long briefings: 24 us a line, 1.2 us a character of such text, 0.43 us one of plain text)."""
    return 55 + (3 * len(line) if _TRIGGERS.search(line) else len(line))


class _PlainText(Treeprocessor):
    def run(self, root: Element) -> None:
        patterns = self.md.inlinePatterns
        if sum(name in patterns for name in KNOWN_PATTERNS) != len(patterns):  # a pattern this module can't vouch for
            return
        for el in root.iter():
            text, tail = el.text, el.tail
            if text and not isinstance(text, AtomicString) and not _TRIGGERS.search(text):
                el.text = AtomicString(text)
            if tail and not isinstance(tail, AtomicString) and not _TRIGGERS.search(tail):
                el.tail = AtomicString(tail)


class PlainTextExtension(Extension):
    """Mark plain text just before the inline processor runs (its priority is 20)."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's method name
        md.treeprocessors.register(_PlainText(md), "plain_text", 21)
