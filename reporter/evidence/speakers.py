"""Who said it: the named subject of a speech verb ('Wang said', 'said Peskov', 'according to Patrushev')."""

from __future__ import annotations

import re
from collections.abc import Callable

from reporter.evidence.document import NameSpan, Sentence
from reporter.evidence.lexicon import SENTENCE_ADVERBS, SPEECH_VERBS, TITLE_WORDS

_PREPOSITIONS = frozenset(
    ["with", "to", "by", "met", "from", "at", "in", "on", "for", "against", "toward", "towards", "into", "of"]
)


def speaker_near_verb(
    text: str, sent: Sentence, vpos: int, verb: str, names: list[NameSpan], quotes: list[tuple[int, int]]
) -> str | None:
    """The named subject of a speech verb: 'Wang said', 'said Peskov', 'Mr Putin ..., telling'."""

    def inside_quote(pos: int) -> bool:
        return any(qs <= pos < qe for qs, qe in quotes)

    in_sent = [
        n
        for n in names
        if sent.start <= n.start < sent.end and not inside_quote(n.start) and n.kind in ("person", "org", "place")
        and text[n.start - 1 : n.start] != "("  # '(CNN) -- The mother of James Foley said': a dateline
        and not (n.kind == "place" and n.end + 1 != vpos and _ADJECTIVE_USE.match(text, n.end))  # 'an American …'
    ]
    label = lambda n: n.full or n.text  # noqa: E731
    if verb == "quoted":  # 'TVA Sports quoted Daly as saying': the one quoted spoke, not the outlet
        quoted = next((n for n in names if n.start == vpos + len(verb) + 1 and not inside_quote(n.start)), None)
        if quoted is not None and re.match(r"\s+as\s+say", text[quoted.end : quoted.end + 12]):
            return label(quoted)
    tagged = _tag_after_quote(text, vpos, verb, names, inside_quote)
    if tagged is not None:
        return label(tagged)
    subject = _subject_slot(text, sent, vpos, names, inside_quote) if verb != "according to" else None
    if subject is not None:
        return label(subject)
    if verb == "according to":
        after = [n for n in in_sent if n.start >= vpos and n.start - vpos < 40]
        return label(after[0]) if after else None
    before = [n for n in in_sent if n.end <= vpos]
    gap_text = text[before[-1].end : vpos] if before else ""
    if verb.endswith("ing") and "," in text[sent.start : vpos]:
        subj = [n for n in before if not after_preposition(text, n.start)]
        if subj:
            return label(subj[0])
    if "quoted" in gap_text and before:
        subj = [n for n in before if not after_preposition(text, n.start)]
        if subj:
            return label(subj[0])
    if before and _WHO.fullmatch(gap_text) and before[-1].kind == "person":  # '..., even from Trump, who said'
        return label(before[-1])
    # 'telling CNN that officials suggested': a clause after 'that' has its own subject
    plain_gap = (before and len(gap_text) <= 30 and not re.search(r"[“”\"]", gap_text) and "," not in gap_text
                 and not re.search(r"\bthat\b", gap_text))
    if plain_gap and (not after_preposition(text, before[-1].start) or "quoted" in gap_text):
        return label(before[-1])
    if before and "," in gap_text:  # appositive: 'Patrushev, the head of ..., said'
        subj = [n for n in before if not after_preposition(text, n.start) and n.kind == "person"]
        if subj and not re.search(r"[“”\"]", gap_text):
            return label(subj[0])
    described = _described(text, sent, vpos, names, inside_quote)
    if described is not None:
        return label(described)
    after = [n for n in in_sent if n.start > vpos]
    # 'said Peskov' only where the verb opens its clause (after a quote, a comma or nothing): in 'Prosecutors
    # said Hunter ...' or 'The ministry told Lavrov' the name after the verb is the object, not the speaker
    opens_clause = text[sent.start : vpos].rstrip()[-1:] in ("", ",", ";", ":", "”", '"', "’", "—", "–")
    if verb in ("told", "tells", "telling"):
        opens_clause = False  # the name after 'telling' is who was told: '..., telling CNN that ...'
    if after and opens_clause and re.fullmatch(
        r"(?:\s+(?:[A-Z][\w’'.-]*|the|[a-z]+man|[a-z]+woman|minister|secretary))*\s*",
        text[vpos + len(verb) : after[0].start],
    ):
        return label(after[0])
    return None


def _subject_slot(text: str, sent: Sentence, vpos: int, names: list[NameSpan],
                  inside_quote: Callable[[int], bool]) -> NameSpan | None:
    """The name in the subject slot right before the verb, whatever its kind: 'Ryan told Fox News ...' at a
    sentence start (if the article also writes it capitalised inside a sentence: a name, not 'Sources told'),
    or set off by commas after a role: 'Its curator, Quinton Winter, said' (not 'John Cornyn, R-Texas, said')."""
    for n in names:
        if text[n.end : vpos] == " " and _OPENER.fullmatch(text, sent.start, n.start):
            if re.search(rf"[a-z,] {re.escape(n.text)}\b", text):
                return n
        elif (text[n.end : vpos] == ", " and n.kind in ("person", "unknown") and not inside_quote(n.start)
              and _AFTER_ROLE.search(text, max(0, n.start - 40), n.start)):
            return n
    return None


def _described(text: str, sent: Sentence, vpos: int, names: list[NameSpan],
               inside_quote: Callable[[int], bool]) -> NameSpan | None:
    """A name whose role stands between it and the verb, whatever its kind: 'Lis Smith, a spokeswoman for the
    Obama campaign, said' (a frequent surname is no evidence against a person the article calls a spokeswoman)."""
    for n in names:
        if not (sent.start <= n.start and n.end < vpos) or inside_quote(n.start) or after_preposition(text, n.start):
            continue
        gap = text[n.end : vpos]
        if len(gap) <= 120 and _APPOSITIVE.fullmatch(gap) and TITLE_WORDS.intersection(re.findall(r"[a-z]+", gap)):
            return n
    return None


_APPOSITIVE = re.compile(r",\s+(?:a|an|the|who|whose)\s[^,“”\"]*(?:,[^,“”\"]*)?,\s*")


def _tag_after_quote(text: str, vpos: int, verb: str, names: list[NameSpan],
                     inside_quote: Callable[[int], bool]) -> NameSpan | None:
    """The name in a quote's tag ('“...,” Ryan said', '“...,” said Schumer'), whatever its kind: a capitalised
    word in that slot names the speaker even when nothing else in the article says it is a person."""
    if verb == "according to":
        return None
    for n in names:
        if inside_quote(n.start):
            continue
        if n.end <= vpos and text[n.end : vpos] == " ":
            if _AFTER_QUOTE.search(text, max(0, n.start - 4), n.start):  # '“...,” Ryan said'
                return n
            if _BEFORE_QUOTE.match(text, vpos + len(verb)):  # 'Trump said, “...'
                return n
        elif (n.start == vpos + len(verb) + 1 and _AFTER_QUOTE.search(text, max(0, vpos - 4), vpos)
              and (n.end == len(text) or text[n.end] in " \n.,;")):  # '“...,” said Schumer.'
            return n
    return None


# nothing, or a conjunction or sentence adverb, before the subject: 'Ryan told ...', 'Yet AARP said ...'
_OPENER = re.compile(r"(?:(?:" + "|".join(sorted(SENTENCE_ADVERBS | {"but", "and", "so"})) + r"),?\s+)?", re.I)
_ADJECTIVE_USE = re.compile(r" [a-z]")
_AFTER_ROLE = re.compile(r"\b[a-z][\w’'-]*, $")
_WHO = re.compile(r",\s+who\s+(?:[a-z]+\s+){0,2}")
# A closing quotation mark (after the quote's own comma or stop) and one space: the tag's slot.
_AFTER_QUOTE = re.compile(r"[,.!?…]?[”\"] $")
# The verb's comma or colon, then the quote: 'Trump said, “...' or 'Ryan said: "...'.
_BEFORE_QUOTE = re.compile(r"[,:] ?[“\"]")


def after_preposition(text: str, pos: int) -> bool:
    """Whether the name at pos follows a preposition, past any title: 'a spokesman for Mr. Hunter'."""
    toks = re.findall(r"\w+|[^\w\s]", text[max(0, pos - 40) : pos])
    while toks:
        if toks[-1] == "." and len(toks) > 1 and toks[-2].lower() in TITLE_WORDS:  # 'Mr.'
            toks.pop()
        elif toks[-1].lower() in TITLE_WORDS or (toks[-1] == "of" and len(toks) > 1 and toks[-2].istitle()):
            toks.pop()  # 'from President Trump', 'Secretary of State John Kerry'
        else:
            break
    return bool(toks) and toks[-1].lower() in _PREPOSITIONS


def reports_speech(text: str, verb: str, end: int) -> bool:
    """False for a speech verb used otherwise: 'continued to spend', 'continued spending', 'added to the pressure'."""
    if verb in ("continued", "continues"):
        return not _NOT_SPEECH_AFTER_CONTINUE.match(text, end)
    if verb in ("added", "adds"):
        return not _TO_AFTER.match(text, end)
    return True


_TO_AFTER = re.compile(r"\s+to\b")
_NOT_SPEECH_AFTER_CONTINUE = re.compile(r"\s+(?:to\b|[a-z]+ing\b|(?:its|his|her|their|the|a|an)\b)")

VERB_RE = re.compile(r"\b(" + "|".join(SPEECH_VERBS) + r"|[Aa]ccording to)\b")
