"""Facts as values of something: each figure of an article with what it measures and the range it allows.

A `Fact` is a value in the text (money, a percentage, a count of a thing, an age, a year or decade, a
weekday, a month and day, a duration, a length) with
- its verbatim span (the number and the words that say what it counts: 'Six people', '48-page indictment'),
- the interval of values its wording allows: bounds ('more than 50', 'at least 30', 'up to 40'), hedges
  ('about', 'nearly', 'roughly', 'a dozen') and rounding ('$43,000' allows 43,350; '1.4 billion' allows
  1.375 billion), so that agreeing sources are never reported as conflicting,
- what it is about: the counted noun, the currency or unit, and the content words around it.

Numbers written as words ('three', 'Forty-two', 'a dozen', 'half a million') are read with text2num (a
maintained, compiled number-word parser for English and seven other languages); 'dozen', 'half a' and
'couple' it does not know are added here. Month-day dates are read with python-dateutil.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from dateutil import parser as dateparser
from text_to_num import text2num

from reporter.evidence.document import Document
from reporter.evidence.figures import ANY_DIGIT
from reporter.evidence.lexicon import MONTHS, STOPWORDS, WEEKDAYS, stem

_UNITS = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty",
    "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion", "trillion",
]
_NUMWORD = r"(?:" + "|".join(_UNITS) + r")"
# The lookahead (every alternative's possible first letters) changes no match: it lets the scan skip at once
# the many word starts where no number word can begin (this regex ran on every sentence: a third of its cost).
_WORDNUM_FIRST = "".join(sorted({w[0] for w in _UNITS} | set("aohd")))  # 'a dozen', 'one', 'half a', 'dozens'
_WORDNUM = re.compile(
    rf"\b(?=[{_WORDNUM_FIRST}])(?:(?:a|one|half\s(?:a|an))\s(?:dozen|hundred|thousand|million|billion)|dozens|"
    rf"{_NUMWORD}(?:[\s-](?:and\s)?{_NUMWORD})*(?:\s(?:and\s)?a\shalf)?|a\s(?:dozen|couple))\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"(?<![\w.,/:-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?!(?!s\b)[\w/]|[.,]\d)")
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9,
          "b": 1e9, "trillion": 1e12, "tn": 1e12}
_CURRENCY = {"us$": "USD", "$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
             "dollars": "USD", "euros": "EUR", "pounds": "GBP", "¥": "JPY", "yen": "JPY", "yuan": "CNY"}
_LENGTH = {"feet": 0.3048, "foot": 0.3048, "ft": 0.3048, "inches": 0.0254, "inch": 0.0254, "in": 0.0254,
           "metres": 1.0, "meters": 1.0, "metre": 1.0, "meter": 1.0, "m": 1.0, "centimetres": 0.01,
           "centimeters": 0.01, "cm": 0.01, "miles": 1609.0, "mile": 1609.0, "km": 1000.0, "kilometres": 1000.0,
           "kilometers": 1000.0, "yards": 0.9144}
_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30.4, "months": 30.4, "year": 365.25,
         "years": 365.25, "decade": 3652.5, "decades": 3652.5, "hour": 1 / 24, "hours": 1 / 24}
_LOWER = re.compile(r"(?:more\sthan|over|at\sleast|upwards\sof|in\sexcess\sof|greater\sthan|topped|exceed(?:ed|ing)?)"
                    r"\s$", re.IGNORECASE)
_UPPER = re.compile(r"(?:less\sthan|under|fewer\sthan|up\sto|no\smore\sthan|at\smost|as\smany\sas|maximum\sof)"
                    r"\s$", re.IGNORECASE)
_NEARLY = re.compile(r"(?:nearly|almost|close\sto|just\sunder|shy\sof)\s$", re.IGNORECASE)
_ABOUT = re.compile(r"(?:about|around|roughly|some|approximately|an\sestimated|estimated|approx\.?|~|or\sso|"
                    r"reportedly)\s$", re.IGNORECASE)
_RANGE = re.compile(r"\bbetween\s[$£€]?\d[\d,.]*\s?(?:%|percent|million|billion)?\s(?:and|to)\s[$£€]?\d[\d,.]*"
                    r"|\bfrom\s[$£€]?\d[\d,.]*\sto\s[$£€]?\d[\d,.]*|[$£€]?\d[\d,.]*\s?(?:-|–|to)\s?[$£€]?\d[\d,.]*\s"
                    r"(?:percent|%|months|years|people)|[$£€]\d[\d,.]*\s?(?:-|–|to)\s?[$£€]\d[\d,.]*", re.IGNORECASE)
_WEEKDAY = re.compile(rf"\b({WEEKDAYS})\b")
_MONTHDAY = re.compile(rf"\b(?:(?:{MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s(?:19|20)\d{{2}})?|"
                       rf"\d{{1,2}}(?:st|nd|rd|th)?\s(?:{MONTHS})\.?(?:,?\s(?:19|20)\d{{2}})?)\b")
_YEAR = re.compile(r"(?<![\d$£€.,-])((?:1[89]|20)\d{2})(s)?(?![\d,%]|\.\d|-\w)")
_HARM = re.compile(r"\b(?:injur\w*|wound\w*|hurt|shot|struck|striking|killed|kill|dead|died|hospitali[sz]ed|"
                   r"treated|arrested|detained|evacuated|missing|rescued)\b", re.IGNORECASE)
_EVENT_CLASSES = [  # what a year dates, whatever the verb: 'left in 1994' and 'moved to Denver in 1995'
    ("#move", re.compile(r"\b(?:mov(?:ed|e)|left|relocat\w*)\b", re.IGNORECASE)),
    ("#found", re.compile(r"\b(?:found(?:ed)?|establish\w*|creat\w*|formed|started|began)\b", re.IGNORECASE)),
    ("#law", re.compile(r"\b(?:law|decree|enact\w*|passed|legislation)\b", re.IGNORECASE)),
    ("#elect", re.compile(r"\b(?:elected|re-elected|election)\b", re.IGNORECASE)),
]
_TEEN = re.compile(r"\b(?:teenager|teenaged|teen)\b", re.IGNORECASE)
_NOUN_SKIP = frozenset([
    "other", "more", "new", "additional", "further", "senior", "junior", "young", "old", "former", "current",
    "separate", "extra", "different", "major", "minor", "small", "large", "big", "top", "of",
])
_Y2K = dateparser.parse("2000-01-01")
_WINDOW = 8  # words on each side that say what a value is about


@dataclass(frozen=True)
class Fact:
    """One value in one source, with what it measures and the range its wording allows."""

    doc: str
    sentence: int
    start: int
    end: int
    text: str
    kind: str  # money, percent, count, age, year, weekday, monthday, duration, length
    lo: float
    hi: float
    unit: str  # currency, counted noun stem, 'm', 'days', 'page', ...
    context: frozenset[str]  # content stems around the value
    names: frozenset[str]  # capitalised words around the value (who or what it is about)

    def __hash__(self) -> int:
        """The fields' hash (as the dataclass would compute it), computed once: facts are dictionary keys of
        every candidate pair, and hashing two frozensets of words each time was a tenth of the detector."""
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.doc, self.sentence, self.start, self.end, self.text, self.kind, self.lo, self.hi,
                           self.unit, self.context, self.names))
            object.__setattr__(self, "_hash", cached)
        return cached

    def consistent(self, other: Fact) -> bool:
        """The two ranges overlap: both wordings can describe the same value."""
        return self.lo < other.hi and other.lo < self.hi or self.lo == other.lo or self.hi == other.hi


@lru_cache(maxsize=4096)
def word_number(words: str) -> float | None:
    """The value of a number written in words: 'Forty-two', 'a dozen', 'half a million', 'three'."""
    w = words.lower().replace("-", " ").strip()
    if w in ("a dozen", "one dozen"):
        return 12.0
    if w == "dozens":
        return 36.0
    if w == "a couple":
        return 2.0
    m = re.fullmatch(r"half\s(?:a|an)\s(\w+)", w)
    if m:
        return 0.5 * _SCALE.get(m.group(1), 100.0 if m.group(1) == "hundred" else 12.0 if m.group(1) == "dozen"
                                else 0.0) or None
    half = w.endswith(" and a half")
    if half:
        w = w[: -len(" and a half")]
    w = re.sub(r"^(?:a|one)\s", "one ", w)
    try:
        value = float(text2num(w, "en"))
    except ValueError:
        return None
    return value + 0.5 if half else value


def _rounding(raw: str) -> float:
    """Half the step of the last significant digit: '43,000' -> 500, '1.4' -> 0.05, '12' -> 0.5."""
    digits = raw.replace(",", "")
    if "." in digits:
        return 0.5 * 10 ** -len(digits.split(".")[1])
    stripped = digits.rstrip("0")
    zeros = len(digits) - len(stripped)
    return 0.5 * 10 ** zeros if stripped else 0.5


def _interval(value: float, step: float, before: str, approx_word: bool,
              within: tuple[float, float] | None = None) -> tuple[float, float]:
    """The values a number allows given the words before it (or the range it is one end of)."""
    if within:
        return within[0] - step, within[1] + step
    if _LOWER.search(before):
        return value, math.inf
    if _UPPER.search(before):
        return 0.0, value
    if _NEARLY.search(before):
        return value * 0.85, value
    if _ABOUT.search(before) or approx_word:
        return value * 0.85 - step, value * 1.15 + step
    if step >= 5:  # a round figure ('$43 million', '300,000') is often the true value cut down: $43.9 million
        return value - step, value + 3 * step
    return value - step, value + step


def _tokens_around(text: str, start: int, end: int, sent_start: int, sent_end: int,
                   clause: bool = False) -> tuple[list[str], list[str]]:
    """Words on each side of a value; with `clause`, only up to the nearest comma, semicolon or 'and'
    (a list of amounts: each amount's own words)."""
    left, right = text[sent_start:start], text[end:sent_end]
    if clause:
        left = re.split(r"[,;:—(]|\band\b", left)[-1]
        right = re.split(r"[,;:—(]|\band\b", right)[0]
    before = re.findall(r"[A-Za-z][\w’'-]*", left)[-_WINDOW:]
    after = re.findall(r"[A-Za-z][\w’'-]*", right)[:_WINDOW]
    return before, after


def _context(before: list[str], after: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    words = [*before, *after]
    stems = frozenset(stem(w) for w in words if w.lower() not in STOPWORDS and len(w) > 2 and w[0].islower())
    names = frozenset(re.sub(r"['’]s?$", "", w) for w in words if w[0].isupper() and w.lower() not in STOPWORDS
                      and not re.fullmatch(rf"{WEEKDAYS}|{MONTHS}", w))
    return stems, names


def _numbers(text: str, start: int, end: int, digits: bool = True) -> list[tuple[int, int, float, float, bool]]:
    """(start, end, value, rounding step, written approximately?) of every number in text[start:end]
    (`digits`: False when text[start:end] is known to hold no digit)."""
    out = []
    for m in _DIGITS.finditer(text, start, end) if digits else ():
        raw = m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
        value = float(raw.replace(",", ""))
        s, e = m.start(), m.end()
        scale = re.match(r"\s?(thousand|million|billion|trillion|bn|mn|tn|m|k|b)\b", text[e:end], re.IGNORECASE)
        step = _rounding(raw)
        if scale:
            factor = _SCALE[scale.group(1).lower()]
            value, step, e = value * factor, step * factor, e + scale.end()
        out.append((s, e, value, step, False))
    for m in _WORDNUM.finditer(text, start, end):
        if any(s <= m.start() < e for s, e, *_ in out):
            continue
        value = word_number(m.group())
        if value is None or value == 1:
            continue
        s, e = m.start(), m.end()
        approx = m.group().lower() in ("a dozen", "dozens", "a couple") or "half" in m.group().lower()
        scale = re.match(r"\s(thousand|million|billion)\b", text[e:end], re.IGNORECASE)
        if scale:
            value, e = value * _SCALE[scale.group(1).lower()], e + scale.end()
        out.append((s, e, value, 0.5 if value < 100 else value * 0.05, approx))
    return sorted(out)


def _counted_noun(text: str, e: int, end: int) -> tuple[str | None, int]:
    """The noun a number counts ('four people', '12 other members', 'two Afghan police officers')."""
    words = list(re.finditer(r"[A-Za-z][\w’'-]*", text[e:min(end, e + 60)]))
    if not words or words[0].start() > 2:
        return None, e
    for i, w in enumerate(words[:4]):
        word = w.group()
        gap = text[e + words[i - 1].end() : e + w.start()] if i else ""
        if i and gap.strip():
            break
        if word.lower() in _NOUN_SKIP or (word[0].isupper() and i < 3):
            continue
        if word.lower() in STOPWORDS:
            return None, e
        return stem(word), e + w.end()
    return None, e


def facts(doc: Document, skip: list[tuple[int, int]] | None = None) -> list[Fact]:
    """Every fact of the document's body sentences."""
    out: list[Fact] = []
    text = doc.text
    for si, sent in enumerate(doc.sentences):
        if sent.role != "body" or any(s <= sent.start < e for s, e in skip or ()):
            continue
        # besides the sentence, its facts read one character on each side (a word boundary, a decade's 's')
        prev_char, next_char = text[max(0, sent.start - 1) : sent.start], text[sent.end : sent.end + 1]
        shift = sent.start - len(prev_char)
        for kind, s, e, lo, hi, unit, ctx, names in _sentence_facts(prev_char, sent.text, next_char):
            out.append(Fact(doc.source_id, si, s + shift, e + shift, text[s + shift : e + shift], kind, lo, hi, unit,
                            ctx, names))
    return out


# Versions of one text repeat most sentences word for word (on 50 long articles a quarter of the sentences
# are distinct): each is read once. Bounded, as any cache of article text.
@lru_cache(maxsize=50_000)
def _sentence_facts(prev_char: str, sentence: str, next_char: str
                    ) -> tuple[tuple[str, int, int, float, float, str, frozenset[str], frozenset[str]], ...]:
    """The facts of one sentence as (kind, start, end, lo, hi, unit, context, names), offsets in
    prev_char + sentence + next_char."""
    out: list[tuple[str, int, int, float, float, str, frozenset[str], frozenset[str]]] = []
    text = prev_char + sentence + next_char
    sent_start, sent_end = len(prev_char), len(prev_char) + len(sentence)
    taken: list[tuple[int, int]] = []

    def add(kind: str, s: int, e: int, lo: float, hi: float, unit: str) -> None:
        if any(a < e and s < b for a, b in taken):
            return
        taken.append((s, e))
        before, after = _tokens_around(text, s, e, sent_start, sent_end, clause=kind == "money")
        ctx, names = _context(before, after)
        if kind == "count" and _HARM.search(sentence):
            ctx = ctx | {"#harm"}  # a count of people hurt, killed or arrested, whatever the verb
        if kind == "year":
            ctx = ctx | {c for c, pattern in _EVENT_CLASSES if pattern.search(" ".join(before[-4:] + after[:3]))}
        out.append((kind, s, e, lo, hi, unit, ctx, names))

    # _MONTHDAY, _RANGE and _DIGITS need a digit: most sentences have none and skip them
    digits = ANY_DIGIT.search(text, sent_start, sent_end) is not None
    for m in _MONTHDAY.finditer(text, sent_start, sent_end) if digits else ():
        try:
            when = dateparser.parse(m.group().replace(".", "").replace("Sept", "Sep"), default=_Y2K)
            value = when.month * 100 + when.day
        except (ValueError, OverflowError):
            value = -1  # a month-day we cannot read: still not a count
        add("monthday", m.start(), m.end(), value, value, "date")
    for m in _WEEKDAY.finditer(text, sent_start, sent_end):
        day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].index(m.group(1))
        add("weekday", m.start(), m.end(), day, day, "day")
    for m in _TEEN.finditer(text, sent_start, sent_end):
        add("age", m.start(), m.end(), 13, 19, "years")
    ranges = [(m.start(), m.end()) for m in _RANGE.finditer(text, sent_start, sent_end)] if digits else []
    numbers = _numbers(text, sent_start, sent_end, digits)
    for s, e, value, step, approx in numbers:
        before = text[max(sent_start, s - 25) : s]
        span = next(((a, b) for a, b in ranges if a <= s < b), None)
        if span:  # 'between $3.70 and $3.74': each end allows the whole range
            ends = [v for a, _, v, *_ in numbers if span[0] <= a < span[1]]
        rng = (min(ends), max(ends)) if span and ends else None
        after = text[e : min(sent_end, e + 40)]
        cur = re.search(r"(US\$|\$|€|£|¥|USD|EUR|GBP)\s?$", before)
        if cur:
            lo, hi = _interval(value, step, before[: cur.start()], approx, rng)
            add("money", s - len(cur.group()), e, lo, hi, _CURRENCY[cur.group(1).lower()])
            continue
        cur_after = re.match(r"\s(dollars|euros|pounds|yen|yuan)\b", after)
        if cur_after:
            lo, hi = _interval(value, step, before, approx, rng)
            add("money", s, e + cur_after.end(), lo, hi, _CURRENCY[cur_after.group(1).lower()])
            continue
        pct = re.match(r"\s?(%|per\s?cent\b|percent\b|percentage points?\b)", after)
        if pct:
            lo, hi = _interval(value, step, before, approx, rng)
            add("percent", s, e + pct.end(), lo, hi, "%")
            continue
        age = re.match(r"[\s-]years?[\s-]old\b|-year\b(?!\s(?:term|sentence|plan|period|deal|contract|"
                       r"investigation|war|program|exercise))", after)
        if age and value < 120 and ("old" in age.group() or re.match(r"-year\s(?:old|man|woman)", after)):
            add("age", s, e + age.end(), value - 0.5, value + 0.5, "years")
            continue
        if re.fullmatch(r",\s*$", text[max(sent_start, s - 2) : s]) and re.match(r",", after) and value < 110 \
                and value == int(value) and re.search(r"[A-Z][\w’'-]+,\s*$", before):
            add("age", s, e, value - 0.5, value + 0.5, "years")  # 'Hunter, 41, is'
            continue
        unit = re.match(r"[\s-](feet|foot|ft|inches|inch|metres|meters|metre|meter|m|centimetres|centimeters|cm|"
                        r"miles|mile|km|kilometres|kilometers|yards)\b", after)
        if unit and not (unit.group(1) == "in" or (unit.group(1) == "m" and value > 1000)):
            f = _LENGTH[unit.group(1).lower()]
            lo, hi = _interval(value, step, before, approx)
            add("length", s, e + unit.end(), lo * f, hi * f, "m")
            continue
        dur = re.match(r"[\s-](days?|weeks?|months?|years?|decades?|hours?)\b", after)
        if dur and not re.match(r"[\s-]years?\s+(?:ago|earlier|later|before|after)", after):
            f = _DAYS[dur.group(1).lower()]
            lo, hi = _interval(value, step, before, approx)
            add("duration", s, e + dur.end(), lo * f, hi * f, "days")
            continue
        page = re.match(r"-(page|seat|point|member|count|man|person|acre|story|room|bed)\s+([a-z]+)?", after)
        if page:  # '48-page indictment': pages of the indictment
            add("count", s, e + page.end(), value - step, value + step,
                f"{page.group(1)}:{stem(page.group(2) or '')}")
            continue
        year = _YEAR.fullmatch(text[s:e]) if not approx else None
        if year:
            decade = text[e:e + 1] == "s"
            v = float(year.group(1))
            prep = re.search(r"\b(in|since|from|until|by|before|after|of)\s(?:the\s)?(?:early\s|late\s|mid-?)?$",
                             before, re.IGNORECASE)
            add("year", s, e + (1 if decade else 0), v, v + (9 if decade else 0),
                "year:" + (prep.group(1).lower() if prep else ""))
            continue
        noun, ne = _counted_noun(text, e, sent_end)
        if noun:
            lo, hi = _interval(value, step, before, approx, rng)
            add("count", s, ne, lo, hi, noun)
    return tuple(out)
