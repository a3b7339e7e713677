"""Spelling: non-words, missing apostrophes, and real-word slips ('shore op' where 'shore up' is attested).

Words and names that another source of the cluster also uses are never misspellings; capitalised words are
names unless the cluster shows their correct form.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from reporter.evidence import language
from reporter.evidence.flags import Cluster, evidence, make_flag
from reporter.evidence.lexicon import STOPWORDS, compound, english_word, stem, without_accents, zipf
from reporter.models import Discrepancy

_TOKEN = re.compile(r"(?<![\w@/.-])[A-Za-z]+(?:['’][A-Za-z]+)?(?![\w@/-]|\.\w)")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Longer "words" are not checked: building their one-letter edits took 110 s and 565 MB at 3,000 letters.
MAX_WORD_LETTERS = 40


@lru_cache(maxsize=50_000)
def correction(word: str) -> tuple[str, float] | None:
    """The most frequent English word one edit away from `word`, with its Zipf frequency, if any."""
    w = word.lower()
    if len(w) > MAX_WORD_LETTERS:  # no English word is this long, and its edits grow with the square of it
        return None
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    edits |= {a + c + b for a, b in splits for c in _LETTERS}
    edits.discard(w)
    best = max(((zipf(e), e) for e in edits if len(e) > 2), default=None)
    if best is None or best[0] <= 0:
        return None
    return best[1], best[0]


_SUFFIXES = ("ly", "s", "es", "ed", "d", "ing", "er", "est", "ness")


def _inflected(word: str) -> bool:
    """A regular form of a common word ('stably', 'parroted'): not a misspelling."""
    w = word.lower()
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            base = w[: -len(suf)]
            for cand in (
                base,
                base + "e",
                base[:-1] if base[-1:] == base[-2:-1] else base,
                base[:-1] + "y" if base.endswith("i") else base,
                base + "le",
            ):
                if zipf(cand) >= 3.0:
                    return True
    return False


def _nonword(cluster: Cluster, sid: str, word: str) -> tuple[str | None, float] | None:
    """(suggestion, confidence) if a lower-case word looks misspelt."""
    th = cluster.thresholds
    if len(word) < 4 or "'" in word or "’" in word or cluster.attested_elsewhere(word, sid):
        return None
    if english_word(word):  # a real word, however rare ('comport', 'pled', 'parkas')
        return None
    if _translit_key(word) in _variants(cluster, sid):  # 'lobizon' where another source has 'lobison'
        return None
    w = word.lower()
    if any(w.endswith(suf) and english_word(w[: -len(suf)]) for suf in ("ly", "ness", "hood", "less", "ship")):
        return None  # 'investigatively'
    if zipf(word) > 0 and _inflected(word):
        return None
    z = zipf(word)
    if z >= th.spelling_max_zipf:
        return None
    cand = correction(word)
    if cand and cand[1] >= 4.0 and cand[1] - z >= th.spelling_min_gain:
        return cand[0], 0.85 if z == 0 else 0.75
    if z == 0 and "'" not in word and "’" not in word:
        if (not cand or cand[1] < 3.0) and compound(word):
            return None  # 'cleareyed', 'monthslong': a compound of two words, not a slip
        return (cand[0] if cand and cand[1] >= 3.0 else None), 0.6
    return None


def detect(cluster: Cluster) -> list[Discrepancy]:
    """Spelling flags for every source."""
    flags: list[Discrepancy] = []
    for sid, doc in cluster.docs.items():
        if not language.is_english(" ".join(s.text for s in doc.sentences)):
            continue  # no English corrections on a Spanish article
        judged: dict[str, tuple[str | None, float] | None] = {}  # a word's verdict in this source, decided once
        for sent in doc.sentences:
            if sent.role == "byline" or language.foreign_stretch(sent.text):
                continue
            toks = list(_TOKEN.finditer(doc.text, sent.start, sent.end))
            for i, m in enumerate(toks):
                word = m.group()
                if word[0].islower():
                    if word in judged:
                        hit = judged[word]
                    else:
                        hit = judged[word] = _nonword(cluster, sid, word)
                    if hit:
                        suggestion, conf = hit
                        flags.append(
                            _flag(doc, m.start(), m.end(), word, suggestion, conf, "non-word", sent.role == "headline")
                        )
                        continue
                elif (fix := _capital_slip(word)) and not cluster.attested_elsewhere(word, sid):
                    flags.append(_flag(doc, m.start(), m.end(), word, fix, 0.7, "run together",
                                       sent.role == "headline"))
                    continue
                elif (word.endswith("s") and len(word) > 3 and not cluster.attested_elsewhere(word, sid)
                      and not (i > 0 and toks[i - 1].group().lower() == "the")):  # 'the Sotloffs': the family
                    base = word[:-1]
                    for apo in ("’s", "'s"):
                        if (base + apo).lower().replace("’", "'") in cluster.word_docs and zipf(word) < 3.0:
                            flags.append(
                                _flag(
                                    doc,
                                    m.start(),
                                    m.end(),
                                    word,
                                    base + apo,
                                    0.7,
                                    "missing apostrophe",
                                    sent.role == "headline",
                                )
                            )
                            break
                if i > 0 and len(word) <= _MAX_PARTICLE:  # (a longer word is no particle: spare the call)
                    slip = _real_word_slip(cluster, toks[i - 1].group(), word)
                    if slip:
                        s, e = toks[i - 1].start(), m.end()
                        flags.append(
                            _flag(
                                doc,
                                s,
                                e,
                                doc.text[s:e],
                                f"{toks[i - 1].group()} {slip}",
                                0.8,
                                "real-word slip",
                                sent.role == "headline",
                            )
                        )
    return [*flags, *_name_spellings(cluster)]


_VARIANTS: dict[tuple[int, str], set[str]] = {}


def _variants(cluster: Cluster, sid: str) -> set[str]:
    """Transliteration keys of the words the other sources use."""
    key = (id(cluster), sid)
    if key not in _VARIANTS:
        if len(_VARIANTS) > 64:
            _VARIANTS.clear()
        _VARIANTS[key] = {_translit_key(w) for w, docs in cluster.word_docs.items() if docs - {sid}}
    return _VARIANTS[key]


_CASE_SLIP = re.compile(r"^[A-Z][a-z]{2,}[A-Z]{2}[a-z]+$")


@lru_cache(maxsize=50_000)  # asked at every occurrence of a capitalised word
def _capital_slip(word: str) -> str | None:
    """A capitalised token that is two words run together ('Jewishpublications') or has a caps-lock slip
    ('NiagaraFAlls'); returns the fix."""
    if _CASE_SLIP.match(word) and zipf(word) == 0:
        i = next(i for i in range(1, len(word)) if word[i].isupper())
        return f"{word[:i]} {word[i]}{word[i + 1:].lower()}"
    if len(word) < 13 or english_word(word) or zipf(word) > 0:
        return None
    if not word[1:].islower():
        return None
    for i in range(4, len(word) - 3):
        a, b = word[:i], word[i:]
        if english_word(a) and english_word(b) and zipf(a) >= 3.0 and zipf(b) >= 3.0:
            return f"{a} {b}"
    return None


_TRANSLIT = [("ey", "ei"), ("y", "i"), ("j", "i"), ("w", "v"), ("kh", "h"), ("ph", "f"), ("ou", "u"), ("z", "s"),
             ("x", "ks"), ("c", "k"), ("q", "k")]


@lru_cache(maxsize=200_000)  # asked for every pair of similar names and for each source's whole vocabulary
def _translit_key(word: str) -> str:
    """A form on which transliteration variants coincide: Sergey/Sergei, Yair/Iair, lobizón/lobison."""
    w = without_accents(word.lower())
    for a, b in _TRANSLIT:
        w = w.replace(a, b)
    return w


_NAME = re.compile(r"(?<![\w@/.-])[A-Z][a-z]+(?:[A-Z][a-z]+)?(?![\w@/-])")


def _name_spellings(cluster: Cluster) -> list[Discrepancy]:
    """A capitalised word that most sources spell otherwise ('Beiber' where five sources have 'Bieber',
    'Whistable' for 'Whitstable'): flagged with the majority spelling. Transliteration variants, plural or
    possessive forms and English words are not misspellings."""
    where: dict[str, dict[str, list[tuple[int, int]]]] = {}
    before: dict[str, set[str]] = {}  # the capitalised words right before each name ('Noorullah' Aminyar)
    for sid, doc in cluster.docs.items():
        for sent in doc.sentences:
            if sent.role == "byline":
                continue
            prev = None
            for m in _NAME.finditer(doc.text, sent.start, sent.end):
                where.setdefault(m.group(), {}).setdefault(sid, []).append((m.start(), m.end()))
                if prev is not None and not doc.text[prev.end() : m.start()].strip():
                    before.setdefault(m.group(), set()).add(prev.group())
                prev = m
    common = [w for w, docs in where.items() if len(docs) >= 2 and len(w) >= 4]
    by_initial: dict[str, list[str]] = {}
    for w in common:
        by_initial.setdefault(w[0], []).append(w)
    flags = []
    for word, docs in where.items():
        if len(word) < 4:
            continue
        known = english_word(word)  # 'Christina' is a word list name; flagged only as the same person's name
        best = None
        for other in by_initial.get(word[0], ()):
            if other == word or len(where[other]) <= len(docs) or len(where[other]) < 2:
                continue
            if other.rstrip("s") == word.rstrip("s") or _translit_key(other) == _translit_key(word):
                continue
            a, b = word.lower(), other.lower()
            if before.get(word) and before.get(other) and not before[word] & before[other]:
                continue  # 'Matt Mika' is not a 'Mike': never preceded by the same name
            if known and (zipf(word) >= 4.0 or a.startswith(b) or b.startswith(a)
                          or not before.get(word, set()) & before.get(other, set())):
                continue  # a dictionary word counts only as a rare name the same title or first name precedes
            if (a.startswith(b) or b.startswith(a)) and not before.get(word, set()) & before.get(other, set()):
                continue  # 'Quebecor' is not 'Quebec'; 'Noorullah Aminy' is 'Noorullah Aminyar'
            dist = Levenshtein.distance(a, b)
            prefix = len(os.path.commonprefix([a, b]))
            transposed = sorted(a) == sorted(b) and len(a) == len(b)
            typo = dist == 1 or transposed or (dist == 2 and len(word) >= 7 and prefix < min(len(a), len(b)) - 2)
            if a.startswith(b) or b.startswith(a):
                typo = True
            if typo and (
                best is None or len(where[other]) > len(where[best])
            ):
                best = other
        if best is None:
            continue
        # one flag per minority spelling, with every place it is written: not one flag per occurrence
        spans = [evidence(cluster.docs[sid], start, end) for sid, found in sorted(docs.items()) for start, end in found]
        here = "here" if len(docs) == 1 else f"in {len(docs)} sources"
        flags.append(make_flag(
            "spelling", "spelling.name", "medium", f"Name spelt '{word}' {here}, '{best}' in "
            f"{len(where[best])} other sources", f"'{word}' is spelt '{best}' by {len(where[best])} "
            "sources; a minority spelling of a name is usually a typo.", spans, 0.75, best))
    return flags


_PARTICLES = ("up", "out", "off", "down", "in", "on", "over", "away", "back")
_MAX_PARTICLE = 4


def _real_word_slip(cluster: Cluster, prev: str, word: str) -> str | None:
    """A phrasal-verb particle one letter off ('shore op' where the sources also read 'shore up')."""
    if not prev.islower() or not word.islower():  # most pairs end here, before any lower-casing
        return None
    p, w = prev.lower(), word.lower()
    if p in STOPWORDS or len(p) < 3 or w in STOPWORDS or len(w) > _MAX_PARTICLE or cluster.bigrams[(p, w)] > 1:
        return None
    for b in _PARTICLES:
        if b not in cluster.followers.get(p, ()) or len(b) != len(w) or stem(b) == stem(w):
            continue
        if sum(x != y for x, y in zip(b, w, strict=True)) == 1 and zipf(b) - zipf(w) >= 1.0:
            return b
    return None


def _flag(
    doc, start: int, end: int, word: str, suggestion: str | None, conf: float, why: str, headline: bool
) -> Discrepancy:
    where = "the headline" if headline else "the text"
    explanation = {
        "non-word": f"'{word}' is not an English word and no other source uses it.",
        "missing apostrophe": f"'{word}' looks like the possessive '{suggestion}' without its apostrophe.",
        "real-word slip": f"'{word}' is a real word but a likely slip: other passages in the sources read "
        f"'{suggestion}'.",
        "run together": f"'{word}' looks like '{suggestion}' with a typing slip.",
    }[why]
    title = f"Spelling in {where}: '{word}'" + (f" (did you mean '{suggestion}'?)" if suggestion else "")
    return make_flag(
        "spelling",
        "spelling",
        "medium" if headline else "low",
        title,
        explanation,
        [evidence(doc, start, end)],
        conf,
        suggestion,
    )
