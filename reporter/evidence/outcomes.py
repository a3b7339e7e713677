"""Outcomes and statuses keyed by who they are about: resigned / retiring / fired; charged / not charged /
convicted; confirmed / denied / declined to comment.

Each source's status claims are read per sentence as (person, status) with the verbatim span of the status
words. The person is the one the status is about: for 'resigned', 'retiring', 'denied', 'confirmed',
'declined to comment' the nearest named person before the verb (not a possessive: in 'one of Trump's picks,
would be retiring', Trump is not the one retiring); for 'fired', 'charged', 'arrested' in the active voice the
person after the verb; for 'no charges have been filed' every person the sentence names. Two sources that
give the same person incompatible statuses raise a `factual_conflict` with both spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from reporter.evidence.document import Document

_STATUSES = [
    # (status, pattern, the person is after the verb in the active voice?)
    ("resigned", re.compile(r"\b(?:resign(?:ed|s)?|quit|stepped\s(?:down|aside))\b", re.IGNORECASE), False),
    ("retiring", re.compile(r"\b(?:retir(?:ing|es|e)|will\sretire|would\sbe\sretiring)\b", re.IGNORECASE), False),
    ("fired", re.compile(r"\b(?:fired|ousted|dismissed|sacked)\b", re.IGNORECASE), True),
    ("charged", re.compile(r"\b(?:(?:has|have|had|was|were|been)\s(?:been\s)?charged|indicted)\b", re.IGNORECASE),
     False),
    ("not charged", re.compile(r"\b(?:no\s(?:formal\s)?charges\s(?:have|had)\sbeen\s(?:filed|brought)|"
                               r"(?:has|have|had)\snot\s(?:yet\s)?been\scharged|was\snot\scharged)\b",
                               re.IGNORECASE), None),
    ("denied", re.compile(r"\b(?:denied|denies|deny)\b", re.IGNORECASE), False),
    ("confirmed", re.compile(r"\bconfirm(?:ed|s)\b(?!\sto)", re.IGNORECASE), False),
    ("declined to comment", re.compile(r"\b(?:declined|refused)\sto\scomment\b|\bno\scomment\b", re.IGNORECASE),
     False),
]
_CLASH = {
    frozenset(["resigned", "retiring"]), frozenset(["resigned", "fired"]), frozenset(["retiring", "fired"]),
    frozenset(["charged", "not charged"]), frozenset(["denied", "confirmed"]),
    frozenset(["declined to comment", "denied"]), frozenset(["declined to comment", "confirmed"]),
}
_FORWARD = re.compile(r"\b(?:would|will|to|expected|plans?|planning|may|might|could)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    """A status one source gives a person."""

    doc: str
    sentence: int
    start: int
    end: int
    person: str  # surname as written
    status: str


def _person_words(doc: Document) -> dict[str, str]:
    """Surname -> full name for every person the document names."""
    out: dict[str, str] = {}
    for full in doc.persons.values():
        parts = full.split()
        if parts:
            out.setdefault(parts[-1], full)
    return out


def outcomes(doc: Document, surnames: dict[str, str] | None = None) -> list[Outcome]:
    """Every status claim of the document's body sentences, with the person it is about (`surnames`: the
    people the whole cluster names, so that 'Mr. Sayoc' counts where only another source gives his full name)."""
    surnames = surnames or _person_words(doc)
    if not surnames:
        return []
    # (the lookahead, every name's first character, changes no match: most positions fail it at once)
    firsts = "".join(sorted({re.escape(s[0]) for s in surnames if s}))
    names = (rf"\b(?=[{firsts}])(" + "|".join(re.escape(s) for s in sorted(surnames, key=len, reverse=True))
             + r")\b(['’]s?)?")
    found = []
    for si, sent in enumerate(doc.sentences):
        if sent.role != "body":
            continue
        # besides the sentence, a match reads the character before it (a word boundary)
        prev_char = doc.text[max(0, sent.start - 1) : sent.start]
        shift = sent.start - len(prev_char)
        for start, end, person, status in _sentence_outcomes(names, prev_char, sent.text):
            found.append(Outcome(doc.source_id, si, start + shift, end + shift, person, status))
    return found


# Versions of one text repeat most sentences word for word: each is read once (per set of names).
@lru_cache(maxsize=50_000)
def _sentence_outcomes(names_pattern: str, prev_char: str, sentence: str) -> tuple[tuple[int, int, str, str], ...]:
    """(start, end, person, status) of every status claim of one sentence (its people found by `names_pattern`),
    offsets in prev_char + sentence."""
    text = prev_char + sentence
    start, end = len(prev_char), len(text)
    names = [(m.start(), m.group(1), bool(m.group(2)))
             for m in re.compile(names_pattern).finditer(text, start, end)]
    if not names:
        return ()
    found = []
    for status, pattern, after in _STATUSES:
        for m in pattern.finditer(text, start, end):
            before = text[start : m.start()]
            if status == "resigned" and _FORWARD.search(before):
                continue  # 'plans to resign' is not a resignation
            passive = bool(re.search(r"\b(?:was|were|been|be)\s+$", before))
            if after is None:
                people = [n for _, n, poss in names if not poss]
            elif after and not passive:
                people = [n for pos, n, poss in names if pos > m.end() and not poss][:1]
            else:
                people = [n for pos, n, poss in names if pos < m.start() and not poss][-1:]
            found += [(m.start(), m.end(), person, status) for person in people]
    return tuple(found)


def conflicts(docs: dict[str, Document]) -> list[list[Outcome]]:
    """Groups of incompatible statuses sources give the same person: every source's first claim of either
    status, when at least two sources disagree (a source reporting both is telling a story in time)."""
    by_person: dict[str, list[Outcome]] = {}
    surnames: dict[str, str] = {}
    for doc in docs.values():
        for k, v in _person_words(doc).items():
            surnames.setdefault(k, v)
    for doc in docs.values():
        for o in outcomes(doc, surnames):
            by_person.setdefault(o.person, []).append(o)
    groups = []
    for items in by_person.values():
        statuses = {o.status for o in items}
        for clash in _CLASH:
            if not clash <= statuses:
                continue
            per_doc: dict[str, set[str]] = {}
            for o in items:
                if o.status in clash:
                    per_doc.setdefault(o.doc, set()).add(o.status)
            single = {d: next(iter(st)) for d, st in per_doc.items() if len(st) == 1}
            if len(set(single.values())) < 2:
                continue
            chosen: dict[str, Outcome] = {}
            for o in sorted(items, key=lambda o: (o.doc, o.start)):
                if single.get(o.doc) == o.status:
                    chosen.setdefault(o.doc, o)
            groups.append(list(chosen.values()))
    return groups
