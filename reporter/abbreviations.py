"""Abbreviations and initials that end in a full stop without ending a sentence ("Rep.", "Carolyn B.").

One rule for the engine's sentence splitter (evidence/structure.py) and for the excerpts shown around
evidence (excerpt.py), so a flag's context and the engine's sentences end in the same places.
"""

from __future__ import annotations

import re

_ABBREVIATED = """
    mr mrs ms dr prof st jr sr gen sen rep gov lt col capt sgt maj adm brig cmdr cpl pvt det supt rev hon msgr
    atty inc corp ltd co no vs etc jan feb mar
    apr jun jul aug sep sept oct nov dec e.g i.e u.s u.k u.n a.m p.m approx dept est fig mt ft
"""
ABBREVIATIONS = frozenset(_ABBREVIATED.split())
_LAST_TOKEN_CHARS = 60  # an abbreviation or initial is short: look only this far back for it
_LAST_TOKEN = re.compile(r"([\w.]+)$")
_INITIALS = re.compile(r"[a-z]|(?:[a-z]\.)+[a-z]?")


# Places written as initials end many sentences ('... in Washington, D.C. The House ...'): there, a word
# that usually starts a sentence after the stop means the stop ends one. 'U.S. officials' stays one sentence.
_PLACE_INITIALS = frozenset(["d.c", "u.s", "u.k", "u.n", "l.a", "n.y"])
_SENTENCE_START = re.compile(r"\s+(?:The|He|She|It|They|We|I|But|And|In|A|An|This|That|His|Her|Their|Its|On|At|"
                             r"After|When|There|Mr|Ms|Mrs)\b")


def ends_in_abbreviation(before: str, after: str = "") -> bool:
    """Whether the text before a full stop ends in an abbreviation or an initial ("Gen", "B", "U.S"), so the
    stop ends no sentence; `after`, the text after the stop, tells a place's initials that end one."""
    last = _LAST_TOKEN.search(before[-_LAST_TOKEN_CHARS:])
    token = last.group(1).lower() if last else ""
    if token.rstrip(".") in _PLACE_INITIALS and _SENTENCE_START.match(after):
        return False
    return token.rstrip(".") in ABBREVIATIONS or bool(_INITIALS.fullmatch(token))
