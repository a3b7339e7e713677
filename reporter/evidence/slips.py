"""Words lost in editing, found by patterns that well-formed English does not produce: 'she been disowned'
(has/had lost), 'would very exciting' (be lost), 'was member of' (a/an lost), 'She said paid' (a subject lost
after 'said'), 'received the Yair' (a stray article before a person's first name). Each is a garbled_text flag
on the verbatim words, outside quotes only where a speaker's own grammar is not at stake."""

from __future__ import annotations

import re
from functools import lru_cache

from reporter.evidence.flags import Cluster, evidence, make_flag
from reporter.models import Discrepancy

_PATTERNS = [  # (the first letters are checked before the look-behinds: the same matches, a fifth of the time)
    (re.compile(r"\b(?=[HhSsIiTtWw])(?<!\bhad\s)(?<!\bhas\s)(?<!\bhave\s)(?<!\bHad\s)"
                r"(?:[Hh]e|[Ss]he|[Ii]t|[Tt]hey|[Ww]e)\s+been\b"),
     "'has' or 'had' seems lost before 'been'"),
    (re.compile(r"\b(?:would|could|should|will|might|must)\s+(?:very|so|too|really|quite)\s+"
                r"[a-z]+(?:ing|ful|ous|ive|able|ible|ent|ant)\b"), "'be' seems lost after the modal verb"),
    (re.compile(r"\b(?:is|was|were|are|became|becomes)\s+member\s+of\b"), "an article seems lost before 'member'"),
    (re.compile(r"\b(?:said|says)\s+(?:paid|spent|had|got|made|took|bought|sold|gave)\b(?!\s+(?:that|it|to|on))"),
     "a subject seems lost after 'said'"),
]


def detect(cluster: Cluster) -> list[Discrepancy]:
    """Garbled-text flags for lost words."""
    first_names = {full.split()[0] for d in cluster.docs.values() for full in d.persons.values() if " " in full}
    stray_the = (r"\b(?:received|met|told|visited|called)\s+the\s+(" + "|".join(
        re.escape(n) for n in sorted(first_names)) + r")\b") if first_names else None
    flags = []
    for doc in cluster.docs.values():
        for sent in doc.sentences:
            if sent.role != "body":
                continue
            before = doc.text[max(0, sent.start - _LOOK_BEHIND) : sent.start]
            at = sent.start - len(before)
            for start, end, why in _lost_words(before, sent.text, stray_the):
                found = doc.text[at + start : at + end]
                flags.append(make_flag(
                    "garbled_text", "garbled.lost_word", "low", f"Word lost: '{found}'",
                    f"'{found}' does not read as English: {why}.", [evidence(doc, at + start, at + end)], 0.7,
                    None))
    return flags


_LOOK_BEHIND = 6  # the most any pattern reads before its match: '\bhave ' of the first one


# Versions of one text repeat most sentences word for word: each is read once (with what precedes it).
@lru_cache(maxsize=50_000)
def _lost_words(before: str, sentence: str, stray_the: str | None) -> tuple[tuple[int, int, str], ...]:
    """(start, end, why) of every lost-word pattern in the sentence, offsets in before + sentence."""
    text, start = before + sentence, len(before)
    found = [(m.start(), m.end(), why) for pattern, why in _PATTERNS for m in pattern.finditer(text, start)]
    if stray_the:
        found += [(m.start(), m.end(), "a stray 'the' before a person's name")
                  for m in re.compile(stray_the).finditer(text, start)]
    return tuple(found)
