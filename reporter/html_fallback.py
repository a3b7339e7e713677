"""A plain text extraction for HTML pages trafilatura can't parse: nested deeper than lxml's limit (~255).

Python's own `html.parser` has no depth limit and no recursion, so it reads any page. It keeps the text of
the body outside script, style and navigation, with block elements as paragraph breaks, and measures
the nesting depth on the way (the caller uses the fallback only for pages past the parser's limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg",
                   "head", "button", "select", "iframe"})
_BLOCK = frozenset({"p", "div", "article", "section", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li",
                    "blockquote", "br", "tr", "pre", "figcaption", "dd", "dt"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})


@dataclass
class PlainExtraction:
    """Text, title and deepest nesting of a page."""

    text: str
    title: str | None
    depth: int


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.depth = 0
        self.max_depth = 0
        self.skipping = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.depth += 1
            self.max_depth = max(self.max_depth, self.depth)
        if tag in _SKIP and tag not in _VOID:
            self.skipping += 1
        self.in_title = tag == "title" or self.in_title
        if tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID:
            self.depth = max(0, self.depth - 1)
        if tag in _SKIP and tag not in _VOID:
            self.skipping = max(0, self.skipping - 1)
        if tag == "title":
            self.in_title = False
        if tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skipping:
            self.parts.append(data)


def plain_extraction(html: str) -> PlainExtraction:
    """The page's visible text (paragraphs separated by blank lines), its <title>, and its nesting depth."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", "".join(reader.parts)))
    text = "\n\n".join(p for p in paragraphs if p)
    title = " ".join("".join(reader.title).split()) or None
    return PlainExtraction(text=text, title=title, depth=reader.max_depth)
