"""Text structure of one article: headline, byline, date, paragraphs, sentences, quotes, speakers, figures,
names.

Every span is an offset pair into `source.text`; `text` fields equal `source.text[start:end]`.
Boilerplate (page chrome, appended stories) is found first and left out of every other list.
"""

from __future__ import annotations

import bisect
import re

from reporter import chrome
from reporter.abbreviations import ends_in_abbreviation
from reporter.evidence.document import Document, FigureSpan, NameSpan, QuoteSpan, Sentence, Statement
from reporter.evidence.figures import find_figures
from reporter.evidence.lexicon import MONTHS, ORG_WORDS, WEEKDAYS
from reporter.evidence.names import NameFinder
from reporter.evidence.speakers import VERB_RE, after_preposition, reports_speech, speaker_near_verb
from reporter.models import Source

__all__ = ["Document", "FigureSpan", "NameSpan", "QuoteSpan", "Sentence", "Statement", "parse", "split_sentences"]

# Starts only at the first mark of a run, and possessive: a 190,000-character line of dots is one attempt,
# not 190,000 attempts that each scan to the end of the line (quadratic: minutes).
_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]++[”\"’')\]]*+(?=\s+[“\"‘'(\[]?[A-Z0-9])")
_BYLINE = re.compile(r"^\s*By\s+[A-Z][\w.’'-]+(?:\s+(?:and\s+)?[A-Z][\w.’'-]+){0,5}\s*$")
_DATE_FOUND = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b(?:{WEEKDAYS})\s\(\d{{1,2}}\s(?:{MONTHS})\)"
    rf"|\b(?:{MONTHS})\.?\s\d{{1,2}},?\s\d{{4}}\b|\b\d{{1,2}}\s(?:{MONTHS})\s\d{{4}}\b"
)
_OPEN = "“"
_CLOSE = "”"
_QUOTE_MARK = re.compile('[“”"]')
_REOPENS = re.compile(r'\s*\n\s*[“"]')  # the paragraph after this one starts with an opening mark
_MAX_NESTING = 2  # “a quote with “a quote” inside”, as sloppy typesetting writes it


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end]; abbreviations and initials do not end a sentence."""
    spans = []
    cursor = start
    chunk = text[start:end]
    for m in _BOUNDARY.finditer(chunk):
        stop = start + m.end()
        before = text[cursor : start + m.start()]
        if m.group() == "." and ends_in_abbreviation(before, text[stop : stop + 12]):
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


class _Positions:
    """Is a position inside any of these spans? Binary search over their sorted union."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for s, e in sorted(sp for sp in spans if sp[1] > sp[0]):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self._starts = [m[0] for m in merged]
        self._ends = [m[1] for m in merged]

    def covers(self, pos: int) -> bool:
        k = bisect.bisect_right(self._starts, pos) - 1
        return k >= 0 and pos < self._ends[k]


def _find_quotes(text: str, paragraphs: list[tuple[int, int]]) -> tuple[list[tuple[int, int, bool]], list[int]]:
    """Quote spans (inside the marks, closed?) and stray marks; a quote left open at a paragraph end
    that the next paragraph reopens is the newswire continuation convention, not damage."""
    quotes: list[tuple[int, int, bool]] = []
    stray: list[int] = []
    for ps, pe in paragraphs:
        opened: list[int] = []  # offsets just inside each open mark; a quote inside a quote nests
        for mark in _QUOTE_MARK.finditer(text, ps, pe):  # only the marks: not a Python step per character
            i, ch = mark.start(), mark.group()
            if ch == '"':
                prev = text[i - 1] if i > ps else " "
                ch = _OPEN if (prev.isspace() or prev in "([—–-") and not opened else _CLOSE
            if ch == _OPEN:
                if len(opened) == _MAX_NESTING:  # a third level is damage, not a quote within a quote
                    stray.append(opened.pop() - 1)
                opened.append(i + 1)
            elif ch == _CLOSE:
                if not opened:
                    stray.append(i)
                else:
                    start = opened.pop()
                    if i > start:
                        quotes.append((start, i, True))
        if opened:
            # The next paragraph in the text, even one left out as page chrome (a pull quote), reopens it.
            continues = _REOPENS.match(text, pe) is not None
            if not continues:
                stray.append(opened[0] - 1)
            stray.extend(k - 1 for k in opened[1:])
            if pe > opened[0]:
                quotes.append((opened[0], pe, continues))
    return quotes, _multi_paragraph(text, stray, paragraphs)


def _multi_paragraph(text: str, stray: list[int], paragraphs: list[tuple[int, int]]) -> list[int]:
    """Drop pairs of stray marks that are one quote running over a few paragraphs (a tweet or letter quoted
    line by line): an opening left open, closed in one of the next three paragraphs, no mark in between."""
    starts = [ps for ps, _ in paragraphs]  # sorted and disjoint: a binary search finds the paragraph

    def para(pos: int) -> int:
        k = bisect.bisect_right(starts, pos) - 1
        return k if k >= 0 and pos < paragraphs[k][1] else -1

    marks = sorted(stray)
    drop: set[int] = set()
    for a, b in zip(marks, marks[1:], strict=False):
        pa, pb = para(a), para(b)
        between = text[a + 1 : b]
        if text[a] in '“"' and text[b] in '”"' and 0 < pb - pa <= 3 and not re.search(r'[“”"]', between):
            drop.update((a, b))
    return [m for m in stray if m not in drop]


def _org_like(name: str) -> bool:
    """A name that is an organisation or a body, not a person who can be 'he' or 'she'."""
    return any(w.lower() in ORG_WORDS or w.lower() in ("caucus", "democrats", "republicans") for w in name.split())


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    seg = text[s:e]
    s2 = s + len(seg) - len(seg.lstrip(" ,;:—–-…"))
    e2 = e - (len(seg) - len(seg.rstrip(" ,;:—–-")))
    return s2, max(s2, e2)


def parse(source: Source) -> Document:
    """Parse one source into its structure; offsets refer to `source.text`."""
    text = source.text
    lines = chrome.line_spans(text)
    junk = chrome.merge_spans(chrome.find_chrome(text, lines), text)
    paragraphs = chrome.clean_lines(lines, junk, text)

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

    names_finder = NameFinder(text, sentences)
    names = names_finder.classify()

    raw_quotes, stray = _find_quotes(text, paragraphs)
    quote_pairs = [(s, e) for s, e, _ in raw_quotes]
    # Per-sentence indexes, so that a long article costs linear time (each pass below used to scan every
    # sentence, name, quote or statement of the article for every verb or quote).
    in_quote = _Positions(quote_pairs)
    starts = [s.start for s in sentences]
    names_in: list[list[NameSpan]] = [[] for _ in sentences]  # by the sentence holding their start, in order
    for n in names:
        k = bisect.bisect_right(starts, n.start) - 1
        if k >= 0 and n.start < sentences[k].end:
            names_in[k].append(n)
    quotes_in: list[list[tuple[int, int]]] = [[] for _ in sentences]  # quotes overlapping each sentence
    for qs, qe in quote_pairs:
        for k in range(max(0, bisect.bisect_right(starts, qs) - 1), bisect.bisect_left(starts, qe)):
            if qs < sentences[k].end and sentences[k].start < qe:
                quotes_in[k].append((qs, qe))
    by_sentence: dict[int, list[Statement]] = {}

    def sent_index(pos: int) -> int:
        """The first sentence with start <= pos <= end (sentences are sorted and disjoint)."""
        k = bisect.bisect_right(starts, pos)
        for i in (k - 2, k - 1):
            if i >= 0 and sentences[i].start <= pos < sentences[i].end + 1:
                return i
        return max(0, len(sentences) - 1)

    statements: list[Statement] = []
    last_person_speaker: str | None = None
    persons_full = set(names_finder.persons.values())
    last_person: str | None = None
    last_person_at = last_speaker_at = -1
    for si, sent in enumerate(sentences):
        if sent.role != "body":
            continue
        persons_here = [n for n in names_in[si] if n.kind == "person"]
        unknown_here = {n.full or n.text for n in names_in[si] if n.kind == "unknown"}
        same = by_sentence.setdefault(si, [])
        for m in VERB_RE.finditer(text, sent.start, sent.end):
            vpos = m.start()
            if in_quote.covers(vpos):
                continue
            verb = m.group(1).lower()
            if not reports_speech(text, verb, m.end()):
                continue
            pron = re.search(r"\b(he|she)\s+(?:\w+\s+){0,2}$", text[max(sent.start, vpos - 30) : vpos], re.IGNORECASE)
            inferred = False
            if verb.endswith("ing") and same and re.search(r"\bas\s+$", text[vpos - 5 : vpos]):
                speaker, inferred = same[-1].speaker, same[-1].inferred  # 'X was quoted ... as saying'
            elif pron:
                mentions = [
                    n
                    for n in persons_here
                    if n.start < vpos
                    and n.full
                    and not after_preposition(text, n.start)
                    and not in_quote.covers(n.start)
                ]
                # the nearest compatible person before the pronoun: the latest of the last speaker and the
                # last person mentioned outside a quote ('Mr. Trump praised ... “...,” he said. He added:')
                nearest = last_person if last_person_at > last_speaker_at else last_person_speaker
                speaker = mentions[0].full if mentions else (nearest or last_person_speaker or last_person)
                inferred = True
            else:
                speaker = speaker_near_verb(text, sent, vpos, verb, names_in[si], quotes_in[si])
            if speaker:
                statements.append(Statement(si, speaker, verb, vpos, inferred))
                same.append(statements[-1])
                # a speaker is who a later 'he' or 'she' most likely is: a known person, or a full name the
                # classifier could not place ('Its curator, Quinton Winter, said')
                unplaced = speaker in unknown_here and " " in speaker
                if (speaker in persons_full or unplaced) and not _org_like(speaker):
                    last_person_speaker, last_speaker_at = speaker, vpos
        mentioned = [n for n in persons_here if not _org_like(n.full or n.text) and not in_quote.covers(n.start)]
        subjects = [n for n in mentioned if not after_preposition(text, n.start)] or mentioned
        if subjects:  # the sentence's first person, its likely subject, is what a later 'he' refers to
            last_person, last_person_at = subjects[0].full or subjects[0].text, subjects[0].start

    quotes: list[QuoteSpan] = []
    prev_quote_speaker: dict[int, tuple[str, bool] | None] = {}
    for qs, qe, closed in raw_quotes:
        qs, qe = _strip_span(text, qs, qe)
        if qe <= qs:
            continue
        si = sent_index(qs)
        touching = {sent_index(qs), sent_index(max(qs, qe - 1))}
        cands = [st for k in sorted(touching) for st in by_sentence.get(k, ())]
        cands.sort(key=lambda st: min(abs(st.verb_start - qs), abs(st.verb_start - qe)))
        speaker = cands[0].speaker if cands else None
        inferred = cands[0].inferred if cands else False
        para = sentences[si].paragraph if sentences else 0
        # newswire style: a sentence of pure quote continues the previous speaker
        if speaker is None and text[sentences[si].start] in '“"':
            speaker, inferred = prev_quote_speaker.get(para) or prev_quote_speaker.get(para - 1) or (None, False)
        prev_quote_speaker[para] = (speaker, inferred) if speaker else None
        quotes.append(QuoteSpan(qs, qe, text[qs:qe], speaker, si, closed, inferred))

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
