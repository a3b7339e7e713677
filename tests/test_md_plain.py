"""reporter.md_plain: plain text skips Python-Markdown's inline patterns, and the HTML stays exactly the same."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from markdown.util import AtomicString

from reporter.md_plain import KNOWN_PATTERNS, PlainTextExtension, _PlainText

ROOT = Path(__file__).resolve().parent.parent
EXTENSIONS = ["tables", "sane_lists", "toc", "md_in_html"]

TRICKY = [
    "plain prose with nothing special, and a second clause.",
    "`code` and \\`escaped\\` and \\\\ a backslash",
    "a [link](http://example.com) and ![image](x.png) and [ref][1]\n\n[1]: http://example.org",
    "<http://example.com> and <someone@example.com> and <b>raw</b> and &amp; &copy; & alone",
    "line one with two spaces  \nline two",
    "*em* **strong** _em_ __strong__ a * lone star and a _ lone underscore",
    "Name \\#2 and \\| pipes \\[brackets\\]",
    "text with control characters \x02 and \x03 in it",
    "| a | b |\n|---|---|\n| plain cell | *marked* cell |",
    "<details markdown=\"1\"><summary>more</summary>\n\n- plain item\n- item with `code`\n\n</details>",
    "## Heading plain\n\n### Heading with *em*\n\ntail text",
]


def _html(text: str, *extra: object) -> str:
    return markdown.markdown(text, extensions=[*EXTENSIONS, *extra], output_format="html")


@pytest.mark.parametrize("text", TRICKY)
def test_same_html_as_plain_markdown(text: str) -> None:
    assert _html(text, PlainTextExtension()) == _html(text)


def test_same_html_on_the_committed_briefing() -> None:
    text = (ROOT / "reports" / "seeds" / "brief.md").read_text(encoding="utf-8")
    assert _html(text, PlainTextExtension()) == _html(text)


def test_plain_text_is_marked_and_marked_text_is_not() -> None:
    md = markdown.Markdown(extensions=EXTENSIONS)
    root = md.parser.parseDocument(["plain words here", "", "words with *stars*"]).getroot()
    _PlainText(md).run(root)
    texts = [el.text for el in root.iter() if el.text]
    assert [isinstance(t, AtomicString) for t in texts] == [True, False]


def test_unknown_inline_pattern_turns_it_off() -> None:
    md = markdown.Markdown(extensions=EXTENSIONS)
    assert {name for name in KNOWN_PATTERNS if name in md.inlinePatterns} and len(md.inlinePatterns) == sum(
        name in md.inlinePatterns for name in KNOWN_PATTERNS)  # the installed Markdown is one it knows
    md.inlinePatterns.register(md.inlinePatterns["entity"], "someones_pattern", 1)
    root = md.parser.parseDocument(["plain words here"]).getroot()
    _PlainText(md).run(root)
    assert not any(isinstance(el.text, AtomicString) for el in root.iter())
