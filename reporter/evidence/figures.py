"""Figures in text: money with currency, percentages, counts and dates, with numeric values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from reporter.evidence.lexicon import MONTHS, SPEECH_VERBS, STOPWORDS, WEEKDAYS

_SCALE = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_CURRENCY = {
    "us$": "USD",
    "$": "USD",
    "usd": "USD",
    "s$": "SGD",
    "a$": "AUD",
    "c$": "CAD",
    "hk$": "HKD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "¥": "CNY",
    "yuan": "CNY",
    "rmb": "CNY",
    "dollars": "USD",
    "euros": "EUR",
    "pounds": "GBP",
    "roubles": "RUB",
    "rubles": "RUB",
    "rupees": "INR",
    "yen": "JPY",
}
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALES = r"thousand|million|billion|trillion|bn|mn|tn|m|k|b"
_MONEY_PREFIX = re.compile(
    rf"(?<![\w$])(US\$|S\$|A\$|C\$|HK\$|\$|€|£|¥|USD|EUR|GBP)\s?({_NUM})(?:\s?({_SCALES})\b)?", re.IGNORECASE
)
_MONEY_SUFFIX = re.compile(
    rf"\b({_NUM})(?:\s?({_SCALES}))?\s(dollars|euros|pounds|yuan|roubles|rubles|rupees|yen)\b", re.IGNORECASE
)
_PERCENT = re.compile(rf"\b({_NUM})\s?(%|per\s?cent\b|percent\b)", re.IGNORECASE)
_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|(?:{MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s(?:{MONTHS})\.?(?:,?\s\d{{4}})?"
    rf"|(?:{MONTHS})\s\d{{4}}"
    rf"|(?:{WEEKDAYS})\s\(\d{{1,2}}\s(?:{MONTHS})\)"
    rf"|(?:19|20)\d{{2}})\b"
)
_COUNT = re.compile(rf"\b({_NUM})(?![\d,.]|st\b|nd\b|rd\b|th\b)(?:\s({_SCALES})\b)?(?:\s([a-z][a-z-]+))?")
# Every pattern above needs a digit: most sentences have none and skip them all (they ran on every sentence).
ANY_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class RawFigure:
    """A figure found in a stretch of text, offsets relative to that text."""

    start: int
    end: int
    kind: str
    value: float | None
    unit: str | None


def _number(raw: str, scale: str | None) -> float:
    value = float(raw.replace(",", ""))
    return value * _SCALE.get((scale or "").lower(), 1.0)


# Called on every sentence, and versions of one text repeat most sentences word for word: each is read once.
@lru_cache(maxsize=50_000)
def find_figures(text: str) -> tuple[RawFigure, ...]:
    """Every figure in the text, longest match first, no overlaps, in text order."""
    if not ANY_DIGIT.search(text):
        return ()
    found: list[RawFigure] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= ts or s >= te for ts, te in taken)

    def add(s: int, e: int, kind: str, value: float | None, unit: str | None) -> None:
        if free(s, e):
            found.append(RawFigure(s, e, kind, value, unit))
            taken.append((s, e))

    for m in _MONEY_PREFIX.finditer(text):
        add(m.start(), m.end(), "money", _number(m.group(2), m.group(3)), _CURRENCY[m.group(1).lower()])
    for m in _MONEY_SUFFIX.finditer(text):
        add(m.start(), m.end(), "money", _number(m.group(1), m.group(2)), _CURRENCY[m.group(3).lower()])
    for m in _PERCENT.finditer(text):
        add(m.start(), m.end(), "percent", _number(m.group(1), None), "%")
    for m in _DATE.finditer(text):
        year = re.search(r"(?:19|20)\d{2}", m.group())
        add(m.start(), m.end(), "date", float(year.group()) if year else None, "year" if year else None)
    for m in _COUNT.finditer(text):
        s, e = m.start(), m.end()
        if text[max(0, s - 1) : s] in {"-", "/", ":"} or not free(s, e):
            continue
        noun = m.group(3)
        if noun and (noun in STOPWORDS or noun in SPEECH_VERBS):
            noun = None  # 'of 300,000 will separate', '3 said': a verb or a function word counts nothing
        end = m.end(3) if noun else (m.end(2) if m.group(2) else m.end(1))
        add(s, end, "count", _number(m.group(1), m.group(2)), noun.lower() if noun else None)
    return tuple(sorted(found, key=lambda f: f.start))
