"""Spelling: non-words, missing apostrophes, and real-word slips ('shore op' where 'shore up' is attested).

Words and names that another source of the cluster also uses are never misspellings; capitalised words are
names unless the cluster shows their correct form.
"""

from __future__ import annotations

import re
from functools import lru_cache

from reporter.evidence.flags import Cluster, evidence, make_flag
from reporter.evidence.lexicon import STOPWORDS, stem, zipf
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
    if zipf(word) > 0 and _inflected(word):
        return None
    z = zipf(word)
    if z >= th.spelling_max_zipf:
        return None
    cand = correction(word)
    if cand and cand[1] >= 4.0 and cand[1] - z >= th.spelling_min_gain:
        return cand[0], 0.85 if z == 0 else 0.75
    if z == 0 and "'" not in word and "’" not in word:
        return (cand[0] if cand and cand[1] >= 3.0 else None), 0.6
    return None


def detect(cluster: Cluster) -> list[Discrepancy]:
    """Spelling flags for every source."""
    flags: list[Discrepancy] = []
    for sid, doc in cluster.docs.items():
        for sent in doc.sentences:
            if sent.role == "byline":
                continue
            toks = list(_TOKEN.finditer(doc.text, sent.start, sent.end))
            for i, m in enumerate(toks):
                word = m.group()
                if word[0].islower():
                    hit = _nonword(cluster, sid, word)
                    if hit:
                        suggestion, conf = hit
                        flags.append(
                            _flag(doc, m.start(), m.end(), word, suggestion, conf, "non-word", sent.role == "headline")
                        )
                        continue
                elif word.endswith("s") and len(word) > 3 and not cluster.attested_elsewhere(word, sid):
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
                if i > 0:
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
    return flags


_PARTICLES = ("up", "out", "off", "down", "in", "on", "over", "away", "back")


def _real_word_slip(cluster: Cluster, prev: str, word: str) -> str | None:
    """A phrasal-verb particle one letter off ('shore op' where the sources also read 'shore up')."""
    p, w = prev.lower(), word.lower()
    if not prev.islower() or not word.islower() or p in STOPWORDS or len(p) < 3 or w in STOPWORDS:
        return None
    if len(w) > 4 or cluster.bigrams[(p, w)] > 1:
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
