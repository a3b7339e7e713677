"""The parsed structure of one article: spans that all refer to `source.text`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Sentence:
    """One sentence (or headline/byline line); `text == source.text[start:end]`."""

    start: int
    end: int
    text: str
    paragraph: int
    role: Literal["headline", "byline", "body"] = "body"


@dataclass(frozen=True)
class QuoteSpan:
    """A direct quote: the span inside the quotation marks, and who said it."""

    start: int
    end: int
    text: str
    speaker: str | None
    sentence: int
    closed: bool = True
    inferred: bool = False  # the speaker was read from a pronoun ('he said'), a guess, not a name in the tag


@dataclass(frozen=True)
class Statement:
    """A reported statement: a sentence in which `speaker` said/told/warned ... something."""

    sentence: int
    speaker: str
    verb: str
    verb_start: int = -1
    inferred: bool = False  # the speaker was read from a pronoun ('he said'), a guess, not a name


@dataclass(frozen=True)
class FigureSpan:
    """A figure with its kind, numeric value and unit (currency code, '%', 'year', or the counted noun)."""

    start: int
    end: int
    text: str
    kind: Literal["money", "percent", "count", "date"]
    value: float | None
    unit: str | None
    sentence: int


@dataclass(frozen=True)
class NameSpan:
    """A proper name as written; `full` is the person's full name where the article gives it."""

    start: int
    end: int
    text: str
    kind: Literal["person", "place", "org", "unknown"]
    full: str | None = None


@dataclass
class Document:
    """Everything the engine knows about one article's structure."""

    source_id: str
    text: str
    headline: Sentence | None
    byline: str | None
    date: str | None
    paragraphs: list[tuple[int, int]]
    sentences: list[Sentence]
    quotes: list[QuoteSpan]
    statements: list[Statement]
    figures: list[FigureSpan]
    names: list[NameSpan]
    boilerplate: list[tuple[int, int]]
    boilerplate_reasons: list[str] = field(default_factory=list)
    persons: dict[str, str] = field(default_factory=dict)  # alias ('Wang', 'Putin') -> full name
    stray_quotes: list[int] = field(default_factory=list)  # offsets of quotation marks with no partner
    fused_names: list[tuple[int, int]] = field(default_factory=list)  # 'Wang Nikolai Patrushev': two names run together

    def sentence_at(self, offset: int) -> int | None:
        """Index of the sentence containing an offset, if any."""
        for i, s in enumerate(self.sentences):
            if s.start <= offset < s.end:
                return i
        return None
