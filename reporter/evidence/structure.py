"""Text structure of one article: headline, byline, date, paragraphs, sentences, quotes, speakers, figures,
names.

Every span is an offset pair into `source.text`; `text` fields equal `source.text[start:end]`.
Boilerplate (page chrome, appended stories) is found first and left out of every other list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from reporter.evidence import chrome
from reporter.evidence.figures import find_figures
from reporter.evidence.lexicon import (
    DEMONYMS,
    MONTHS,
    ORG_WORDS,
    PLACE_WORDS,
    SPEECH_VERBS,
    STOPWORDS,
    TITLE_WORDS,
    WEEKDAYS,
    zipf,
)
from reporter.models import Source


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


@dataclass(frozen=True)
class Statement:
    """A reported statement: a sentence in which `speaker` said/told/warned ... something."""

    sentence: int
    speaker: str
    verb: str
    verb_start: int = -1


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


_ABBREV = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "capt",
        "sgt",
        "inc",
        "corp",
        "ltd",
        "co",
        "no",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "a.m",
        "p.m",
        "approx",
        "dept",
        "est",
        "fig",
        "mt",
        "ft",
    ]
)
_BOUNDARY = re.compile(r"[.!?…]+[”\"’')\]]*(?=\s+[“\"‘'(\[]?[A-Z0-9])")
_BYLINE = re.compile(r"^\s*By\s+[A-Z][\w.’'-]+(?:\s+(?:and\s+)?[A-Z][\w.’'-]+){0,5}\s*$")
_DATE_FOUND = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b(?:{WEEKDAYS})\s\(\d{{1,2}}\s(?:{MONTHS})\)"
    rf"|\b(?:{MONTHS})\.?\s\d{{1,2}},?\s\d{{4}}\b|\b\d{{1,2}}\s(?:{MONTHS})\s\d{{4}}\b"
)
_NAME_TOKEN = r"[A-Z][\w’'\-]*\.?"
_NAME_RUN = re.compile(rf"{_NAME_TOKEN}(?:\s(?:of\s)?{_NAME_TOKEN})*")
_CALENDAR = frozenset(m.lower() for m in (MONTHS + "|" + WEEKDAYS).split("|"))
_PREPOSITIONS = frozenset(
    ["with", "to", "by", "met", "from", "at", "in", "on", "for", "against", "toward", "towards", "into", "of"]
)
_OPEN = "“"
_CLOSE = "”"


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end]; abbreviations and initials do not end a sentence."""
    spans = []
    cursor = start
    chunk = text[start:end]
    for m in _BOUNDARY.finditer(chunk):
        stop = start + m.end()
        before = text[cursor : start + m.start()]
        last = re.search(r"([\w.]+)$", before)
        token = last.group(1).lower() if last else ""
        if (
            token.rstrip(".") in _ABBREV or re.fullmatch(r"[a-z]", token) or re.fullmatch(r"(?:[a-z]\.)+[a-z]?", token)
        ) and (m.group().startswith(".") and len(m.group()) == 1):
            continue
        spans.append((cursor, stop))
        cursor = stop
    spans.append((cursor, end))
    out = []
    for s, e in spans:
        seg = text[s:e]
        ls = s + len(seg) - len(seg.lstrip())
        le = e - (len(seg) - len(seg.rstrip()))
        if le > ls:
            out.append((ls, le))
    return out


def _find_quotes(text: str, paragraphs: list[tuple[int, int]]) -> tuple[list[tuple[int, int, bool]], list[int]]:
    """Quote spans (inside the marks, closed?) and stray marks; a quote left open at a paragraph end
    that the next paragraph reopens is the newswire continuation convention, not damage."""
    quotes: list[tuple[int, int, bool]] = []
    stray: list[int] = []
    for pi, (ps, pe) in enumerate(paragraphs):
        open_at: int | None = None
        for i in range(ps, pe):
            ch = text[i]
            if ch == '"':
                prev = text[i - 1] if i > ps else " "
                ch = _OPEN if (prev.isspace() or prev in "([—–-") and open_at is None else _CLOSE
            if ch == _OPEN:
                if open_at is not None:
                    stray.append(open_at - 1)
                open_at = i + 1
            elif ch == _CLOSE:
                if open_at is None:
                    stray.append(i)
                else:
                    if i > open_at:
                        quotes.append((open_at, i, True))
                    open_at = None
        if open_at is not None:
            nxt = paragraphs[pi + 1] if pi + 1 < len(paragraphs) else None
            continues = nxt is not None and text[nxt[0]] in '“"'
            if not continues:
                stray.append(open_at - 1)
            if pe > open_at:
                quotes.append((open_at, pe, continues))
    return quotes, stray


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    seg = text[s:e]
    s2 = s + len(seg) - len(seg.lstrip(" ,;:—–-…"))
    e2 = e - (len(seg) - len(seg.rstrip(" ,;:—–-")))
    return s2, max(s2, e2)


class _Names:
    """Capitalised runs classified as person/place/org, with person aliases."""

    def __init__(self, text: str, sentences: list[Sentence]) -> None:
        self.text = text
        self.lower_words = {w for w in re.findall(r"\b[a-z]+\b", text)}
        self.runs: list[tuple[int, int, list[str], str]] = []  # start, end, tokens, prev word
        self.title_case: set[int] = set()  # run starts in headlines or Title Case lines: no fused-name guess
        for sent in sentences:
            words = sent.text.split()
            title_case = sent.role == "headline" or sum(w[:1].isupper() for w in words) > 0.6 * len(words)
            for m in _NAME_RUN.finditer(text, sent.start, sent.end):
                before = len(self.runs)
                self._add_run(sent, m.start(), m.group())
                if title_case:
                    self.title_case.update(r[0] for r in self.runs[before:])
        self.persons: dict[str, str] = {}
        self.fused: list[tuple[int, int]] = []

    def _add_run(self, sent: Sentence, start: int, run: str) -> None:
        toks = [(t.start() + start, t.group()) for t in re.finditer(r"\S+", run)]
        # drop calendar words and a sentence-initial ordinary word ("However", "The")
        while toks:
            pos, tok = toks[0]
            low = tok.lower().rstrip(".")
            first = pos == sent.start or self.text[sent.start : pos].strip(' “"‘(') == ""
            if low in _CALENDAR or low == "of" or (first and (low in STOPWORDS or low in self.lower_words)):
                toks.pop(0)
            else:
                break
        # split at calendar words inside the run
        group: list[tuple[int, str]] = []
        for pos, tok in [*toks, (-1, "")]:
            if pos == -1 or tok.lower().rstrip(".") in _CALENDAR:
                while group and group[-1][1].lower() == "of":
                    group.pop()
                if group:
                    s = group[0][0]
                    last_pos, last_tok = group[-1]
                    e = last_pos + len(last_tok.rstrip(".,"))
                    if last_tok.endswith(("’s", "'s")):
                        e -= 2
                    prev = re.findall(r"([\w’']+)\W*$", self.text[max(0, s - 40) : s])
                    self.runs.append((s, e, [t for _, t in group], prev[0].lower() if prev else ""))
                group = []
            else:
                group.append((pos, tok))

    def classify(self) -> list[NameSpan]:
        """Two passes: find titled/full person names, then resolve single surnames and fused names."""
        spans: list[NameSpan] = []
        pending: list[tuple[int, int, str, str]] = []
        unfusable: set[str] = set()
        for s, e, toks, prev in self.runs:
            run_start = s
            words = [t.rstrip(".,").replace("’s", "").replace("'s", "") for t in toks]
            i = 0
            titled = prev in TITLE_WORDS
            while i < len(words) - 1 and (
                words[i].lower() in TITLE_WORDS
                or words[i].lower() in DEMONYMS
                or words[i] == "of"
                or toks[i].endswith(("’s", "'s"))
            ):
                titled = titled or words[i].lower() in TITLE_WORDS
                i += 1
            if i:
                s = self.text.index(toks[i], s)
                words = words[i:]
            name = self.text[s:e]
            if run_start in self.title_case:
                unfusable.add(name)
            low = [w.lower() for w in words]
            if any(w in ORG_WORDS for w in low):
                spans.append(NameSpan(s, e, name, "org"))
            elif all(w in PLACE_WORDS or w in DEMONYMS for w in low) or low[-1] in PLACE_WORDS:
                spans.append(NameSpan(s, e, name, "place"))
            elif titled or (2 <= len(words) <= 3 and zipf(low[-1]) < 4.2 and not any(w in DEMONYMS for w in low)):
                pending.append((s, e, name, "person"))
            else:
                pending.append((s, e, name, "unknown"))
        full_names = {n for _, _, n, k in pending if k == "person" and " " in n}
        short = {n for n in full_names if len(n.split()) == 2}
        short_alias = {part for n in short for part in (n.split()[0], n.split()[-1])}
        # 'Wang Nikolai Patrushev': a known person's alias fused with another full name
        fused_names = {
            n
            for n in full_names
            if len(n.split()) >= 3
            and n.split()[0] in short_alias
            and "’s" not in n
            and "'s" not in n
            and n not in unfusable
            and not any(p in n.split()[1:] for f in short if n.split()[0] in f.split() for p in f.split())
        }
        full_names = (full_names - fused_names) | {" ".join(n.split()[1:]) for n in fused_names}
        alias_count: dict[str, set[str]] = {}
        for full in full_names:
            for part in (full.split()[0], full.split()[-1]):
                alias_count.setdefault(part, set()).add(full)
        for alias, fulls in alias_count.items():
            if len(fulls) == 1:
                self.persons[alias] = next(iter(fulls))
        for full in full_names:
            self.persons.setdefault(full, full)
        for s, e, name, kind in pending:
            parts = name.split()
            if name in fused_names:
                cut = s + len(parts[0])
                self.fused.append((s, e))
                spans.append(NameSpan(s, cut, parts[0], "person", self.persons.get(parts[0])))
                rs = self.text.index(parts[1], cut)
                rest = " ".join(parts[1:])
                spans.append(NameSpan(rs, e, self.text[rs:e], "person", self.persons.get(rest, rest)))
                continue
            full = self.persons.get(name) or (self.persons.get(parts[-1]) if kind == "person" else None)
            if kind == "unknown" and name in self.persons:
                kind = "person"
            spans.append(
                NameSpan(s, e, name, kind if not full else "person", full if kind == "person" or full else None)
            )
        return sorted(spans, key=lambda n: n.start)


def _speaker_near_verb(
    text: str, sent: Sentence, vpos: int, verb: str, names: list[NameSpan], quotes: list[tuple[int, int]]
) -> str | None:
    """The named subject of a speech verb: 'Wang said', 'said Peskov', 'Mr Putin ..., telling'."""

    def inside_quote(pos: int) -> bool:
        return any(qs <= pos < qe for qs, qe in quotes)

    in_sent = [
        n
        for n in names
        if sent.start <= n.start < sent.end and not inside_quote(n.start) and n.kind in ("person", "org", "place")
    ]
    label = lambda n: n.full or n.text  # noqa: E731
    if verb == "according to":
        after = [n for n in in_sent if n.start >= vpos and n.start - vpos < 40]
        return label(after[0]) if after else None
    before = [n for n in in_sent if n.end <= vpos]
    gap_text = text[before[-1].end : vpos] if before else ""
    if verb.endswith("ing") and "," in text[sent.start : vpos]:
        subj = [n for n in before if not _after_preposition(text, n.start)]
        if subj:
            return label(subj[0])
    if "quoted" in gap_text and before:
        subj = [n for n in before if not _after_preposition(text, n.start)]
        if subj:
            return label(subj[0])
    plain_gap = before and len(gap_text) <= 30 and not re.search(r"[“”\"]", gap_text) and "," not in gap_text
    if plain_gap and (not _after_preposition(text, before[-1].start) or "quoted" in gap_text):
        return label(before[-1])
    if before and "," in gap_text:  # appositive: 'Patrushev, the head of ..., said'
        subj = [n for n in before if not _after_preposition(text, n.start) and n.kind == "person"]
        if subj and not re.search(r"[“”\"]", gap_text):
            return label(subj[0])
    after = [n for n in in_sent if n.start > vpos]
    if after and re.fullmatch(
        r"(?:\s+(?:[A-Z][\w’'.-]*|the|[a-z]+man|[a-z]+woman|minister|secretary))*\s*",
        text[vpos + len(verb) : after[0].start],
    ):
        return label(after[0])
    return None


def _after_preposition(text: str, pos: int) -> bool:
    prev = re.findall(r"([A-Za-z]+)\W*$", text[max(0, pos - 25) : pos])
    return bool(prev) and prev[-1].lower() in _PREPOSITIONS


_VERB_RE = re.compile(r"\b(" + "|".join(SPEECH_VERBS) + r"|[Aa]ccording to)\b")


def parse(source: Source) -> Document:
    """Parse one source into its structure; offsets refer to `source.text`."""
    text = source.text
    lines = chrome.line_spans(text)
    junk = chrome.merge_spans(chrome.find_chrome(text, lines), text)
    is_junk = lambda s: any(js <= s < je for js, je, _ in junk)  # noqa: E731
    paragraphs = [(s, e) for s, e in lines if not is_junk(s)]

    headline: Sentence | None = None
    byline: str | None = None
    sentences: list[Sentence] = []
    for pi, (ps, pe) in enumerate(paragraphs):
        line = text[ps:pe]
        if _BYLINE.match(line) and byline is None:
            byline = line.strip()
            sentences.append(Sentence(ps, pe, line, pi, "byline"))
            continue
        if pi <= 3 and headline is None and not re.search(r"[.!?:;,”\"]$", line) and len(line.split()) <= 25:
            nxt = paragraphs[pi + 1] if pi + 1 < len(paragraphs) else None
            nxt_line = text[nxt[0] : nxt[1]] if nxt else ""
            cut = (
                nxt is not None
                and len(nxt_line) > len(line)
                and nxt_line.replace("’", "").startswith(line.replace("’", "")[: max(10, len(line) - 5)])
            )
            role = "body" if cut else "headline"
            sent = Sentence(ps, pe, line, pi, role)  # type: ignore[arg-type]
            sentences.append(sent)
            if not cut:
                headline = sent
            continue
        for s, e in split_sentences(text, ps, pe):
            sentences.append(Sentence(s, e, text[s:e], pi))

    date_m = next((m for s in sentences[:6] for m in [_DATE_FOUND.search(s.text)] if m), None)
    date = date_m.group() if date_m else None

    names_finder = _Names(text, sentences)
    names = names_finder.classify()

    raw_quotes, stray = _find_quotes(text, paragraphs)
    quote_pairs = [(s, e) for s, e, _ in raw_quotes]

    def sent_index(pos: int) -> int:
        for i, s in enumerate(sentences):
            if s.start <= pos < s.end + 1:
                return i
        return max(0, len(sentences) - 1)

    statements: list[Statement] = []
    last_person_speaker: str | None = None
    persons_full = set(names_finder.persons.values())
    last_person: str | None = None
    person_mentions = [n for n in names if n.kind == "person"]
    for si, sent in enumerate(sentences):
        if sent.role != "body":
            continue
        for m in _VERB_RE.finditer(text, sent.start, sent.end):
            vpos = m.start()
            if any(qs <= vpos < qe for qs, qe in quote_pairs):
                continue
            verb = m.group(1).lower()
            pron = re.search(r"\b(he|she)\s+(?:\w+\s+){0,2}$", text[max(sent.start, vpos - 30) : vpos], re.IGNORECASE)
            same = [st for st in statements if st.sentence == si]
            if verb.endswith("ing") and same and re.search(r"\bas\s+$", text[vpos - 5 : vpos]):
                speaker = same[-1].speaker  # 'X was quoted ... as saying'
            elif pron:
                mentions = [
                    n
                    for n in person_mentions
                    if sent.start <= n.start < vpos
                    and n.full
                    and not _after_preposition(text, n.start)
                    and not any(qs <= n.start < qe for qs, qe in quote_pairs)
                ]
                speaker = mentions[0].full if mentions else (last_person_speaker or last_person)
            else:
                speaker = _speaker_near_verb(text, sent, vpos, verb, names, quote_pairs)
            if speaker:
                statements.append(Statement(si, speaker, verb, vpos))
                if speaker in persons_full:
                    last_person_speaker = speaker
        mentioned = [n for n in person_mentions if sent.start <= n.start < sent.end]
        if mentioned:
            last_person = mentioned[-1].full or mentioned[-1].text

    quotes: list[QuoteSpan] = []
    prev_quote_speaker: dict[int, str | None] = {}
    for qs, qe, closed in raw_quotes:
        qs, qe = _strip_span(text, qs, qe)
        if qe <= qs:
            continue
        si = sent_index(qs)
        touching = {sent_index(qs), sent_index(max(qs, qe - 1))}
        cands = [st for st in statements if st.sentence in touching]
        cands.sort(key=lambda st: min(abs(st.verb_start - qs), abs(st.verb_start - qe)))
        speaker = cands[0].speaker if cands else None
        para = sentences[si].paragraph if sentences else 0
        # newswire style: a sentence of pure quote continues the previous speaker
        if speaker is None and text[sentences[si].start] in '“"':
            speaker = prev_quote_speaker.get(para) or prev_quote_speaker.get(para - 1)
        prev_quote_speaker[para] = speaker
        quotes.append(QuoteSpan(qs, qe, text[qs:qe], speaker, si, closed))

    figures = []
    for si, sent in enumerate(sentences):
        for f in find_figures(sent.text):
            s, e = sent.start + f.start, sent.start + f.end
            figures.append(FigureSpan(s, e, text[s:e], f.kind, f.value, f.unit, si))  # type: ignore[arg-type]

    return Document(
        source_id=source.id,
        text=text,
        headline=headline,
        byline=byline,
        date=date,
        paragraphs=paragraphs,
        sentences=sentences,
        quotes=quotes,
        statements=statements,
        figures=figures,
        names=names,
        boilerplate=[(s, e) for s, e, _ in junk],
        boilerplate_reasons=[why for _, _, why in junk],
        persons=names_finder.persons,
        stray_quotes=sorted(stray),
        fused_names=names_finder.fused,
    )
