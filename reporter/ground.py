"""Grounding guard: model-quoted text is kept only where code finds the source's own words for it.

Offsets are computed here, on the ORIGINAL text, never taken from the model: every `Evidence` built
here satisfies `evidence.text == source.text[evidence.start:evidence.end]`. What is tolerated between
the model's quote and the source, in this order (the first that succeeds wins):

1. exact, after folding white space, quotation-mark style, dash style (— – ‐ − -, with or without
   spaces around them) and `…` / `...`; an occurrence inside the sentence the model cites is preferred;
2. an elision (`…`, `...`, `[...]`, `(…)`) in the quote: each part is found verbatim, in order, close
   together, and becomes its own span (the elided words are not evidence);
3. a silently corrected typo: inside the cited sentence (or, when the model cites none, any sentence
   of the source), a run of the same number of words that differs only in rare words one or two edits
   away ('official' quoted for the source's 'offical'); numbers and common words must be identical,
   so '1.6 million' never grounds on '1.5 million' and 'its' never on 'his';
4. a wrong source label: the quote is found (as in 1) in exactly another source.

Everything else (a paraphrase, a changed number, an invented sentence) is refused and listed as a removal.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import DamerauLevenshtein

from reporter.models import Evidence, GroundingRemoval, Source

# Curly, low and prime quotation marks all count as the plain ones; the model may retype either.
_QUOTE_FOLD = {
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "ʼ": "'", "‹": "'", "›": "'",
}
_DASHES = frozenset("-‐‑‒–—―−")
_STRIP = " \t\r\n\"'"
_WORD = re.compile(r"[^ -]+")  # words of folded text: dashes separate words like spaces do
_ELISION = re.compile(r"\s*(?:[\[(]\s*(?:\.\.\.|…)\s*[\])]|…|\.\.\.)\s*")
ELISION_GAP = 400  # at most this many characters elided between two parts of one quote
MIN_PART_CHARS = 4  # an elided quote's parts shorter than this would match anywhere: refused
BEST_SENTENCE_SCORE = 60  # rapidfuzz partial_ratio a sentence needs to be re-asked about an uncited quote
COMMON_WORD_ZIPF = 3.0  # a source word at least this frequent is a real word: 'correcting' it changes meaning


def _fold(text: str) -> tuple[str, list[int]]:
    """Text with white space collapsed, quotes, dashes and ellipses folded, plus each char's original index."""
    chars: list[str] = []
    index: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            pending_space = bool(chars)
            continue
        if ch in _DASHES:
            ch = "-"  # 'a — b', 'a—b' and 'a - b' fold alike: no space on either side of a dash
        elif pending_space and chars[-1] != "-":
            chars.append(" ")
            index.append(i - 1)
        pending_space = False
        if ch == "…":
            chars += "..."
            index += [i, i, i]
            continue
        chars.append(_QUOTE_FOLD.get(ch, ch))
        index.append(i)
    return "".join(chars), index


def _needle(text: str) -> str:
    """The folded form of a model-given quote, without surrounding space or quotation marks."""
    folded, _ = _fold(text)
    return folded.strip(_STRIP)


@dataclass(frozen=True)
class Quoted:
    """One quote as the model gave it: the source label resolved to an id, the text, the cited sentence."""

    source_id: str
    text: str
    sentence: int | None = None  # 1-based number of the sentence the model cites, if any


@dataclass
class Grounder:
    """Finds model-quoted spans in the sources; caches each source's folded text.

    `sentences` (source id -> sentence spans, sentence n at index n-1) are the numbered sentences the
    model was shown; without them a cited sentence number is ignored.
    """

    sources: Mapping[str, Source]
    sentences: dict[str, Sequence[tuple[int, int]]] = field(default_factory=dict)
    _folded: dict[str, tuple[str, list[int]]] = field(default_factory=dict)

    def _haystack(self, source_id: str) -> tuple[str, list[int]]:
        if source_id not in self._folded:
            self._folded[source_id] = _fold(self.sources[source_id].text)
        return self._folded[source_id]

    def sentence_span(self, source_id: str, sentence: int | None) -> tuple[int, int] | None:
        """The original-text span of the cited sentence, if the number is one the model was shown."""
        spans = self.sentences.get(source_id, ())
        if sentence is None or not 1 <= sentence <= len(spans):
            return None
        return spans[sentence - 1]

    def _evidence(self, source_id: str, fstart: int, fend: int) -> Evidence:
        _, index = self._haystack(source_id)
        start, end = index[fstart], index[fend - 1] + 1
        return Evidence(source_id=source_id, text=self.sources[source_id].text[start:end], start=start, end=end)

    def _find(self, source_id: str, needle: str, near: tuple[int, int] | None, lo: int = 0,
              hi: int | None = None) -> int:
        """Folded position of `needle` (the one inside `near`, an original span, if any), or -1."""
        haystack, index = self._haystack(source_id)
        hi = len(haystack) if hi is None else hi
        first = haystack.find(needle, lo, hi)
        if first < 0 or near is None:
            return first
        pos = first
        while pos >= 0:
            if near[0] <= index[pos] < near[1]:
                return pos
            pos = haystack.find(needle, pos + 1, hi)
        return first

    def locate(self, source_id: str, quoted: str, sentence: int | None = None) -> Evidence | None:
        """Evidence for `quoted` in source `source_id` (exact up to folding), or None if absent."""
        needle = _needle(quoted)
        if source_id not in self.sources or not needle:
            return None
        pos = self._find(source_id, needle, self.sentence_span(source_id, sentence))
        return None if pos < 0 else self._evidence(source_id, pos, pos + len(needle))

    def _elided(self, source_id: str, quoted: str, sentence: int | None) -> list[Evidence] | None:
        parts = [_needle(p) for p in _ELISION.split(quoted)]
        parts = [p for p in parts if p]
        if len(parts) < 2 or any(len(p) < MIN_PART_CHARS for p in parts):
            return None
        haystack, _ = self._haystack(source_id)
        near = self.sentence_span(source_id, sentence)
        first = self._find(source_id, parts[0], near)
        starts = [first] if first >= 0 else []
        pos = first
        while pos >= 0:  # every occurrence of the first part may start the chain; the cited one first
            pos = haystack.find(parts[0], pos + 1)
            if pos >= 0 and pos not in starts:
                starts.append(pos)
        for begin in starts:
            spans, cursor = [(begin, begin + len(parts[0]))], begin + len(parts[0])
            for part in parts[1:]:
                nxt = haystack.find(part, cursor, cursor + ELISION_GAP + len(part))
                if nxt < 0:
                    break
                spans.append((nxt, nxt + len(part)))
                cursor = nxt + len(part)
            else:
                return [self._evidence(source_id, s, e) for s, e in spans]
        return None

    def _corrected(self, source_id: str, quoted: str, sentence: int | None) -> Evidence | None:
        words = _WORD.findall(_needle(quoted))
        if not any(_bare(w) for w in words):
            return None
        cited = self.sentence_span(source_id, sentence)
        spans = [cited] if cited else list(self.sentences.get(source_id, ()))
        haystack, index = self._haystack(source_id)
        for start, end in spans:
            # the sentence's folded words, with folded positions (so dashes and quotes compare alike)
            lo, hi = bisect_left(index, start), bisect_left(index, end)
            tokens = [(lo + m.start(), lo + m.end()) for m in _WORD.finditer(haystack[lo:hi])]
            folded = [haystack[a:b] for a, b in tokens]
            for i in range(len(tokens) - len(words) + 1):
                if _typo_only(words, folded[i:i + len(words)]):
                    a, b = tokens[i][0], tokens[i + len(words) - 1][1]
                    while a < b and haystack[a] in "\"'([":
                        a += 1
                    while b > a and haystack[b - 1] in "\"')],;:":
                        b -= 1
                    if b > a:
                        return self._evidence(source_id, a, b)
        return None

    def best_sentence(self, source_id: str, quoted: str) -> tuple[int, int] | None:
        """The span of the source's numbered sentence most like `quoted` (for a re-ask), if one is close."""
        from rapidfuzz import fuzz, process

        spans = list(self.sentences.get(source_id, ()))
        if not spans or source_id not in self.sources:
            return None
        text = self.sources[source_id].text
        best = process.extractOne(quoted, [text[s:e] for s, e in spans], scorer=fuzz.partial_ratio,
                                  score_cutoff=BEST_SENTENCE_SCORE)
        return spans[best[2]] if best else None

    def resolve(self, source_id: str, quoted: str, sentence: int | None = None,
                others: Iterable[str] = ()) -> tuple[list[Evidence], str] | None:
        """The spans for one model quote and how they were found, or None: see the module doc."""
        if source_id in self.sources:
            if found := self.locate(source_id, quoted, sentence):
                return [found], "exact"
            if parts := self._elided(source_id, quoted, sentence):
                return parts, "elision"
            if fixed := self._corrected(source_id, quoted, sentence):
                return [fixed], "typo"
        elsewhere = [e for sid in self.sources if sid != source_id if (e := self.locate(sid, quoted))]
        if elsewhere:
            preferred = [e for e in elsewhere if e.source_id not in set(others)]
            return [(preferred or elsewhere)[0]], "relabelled"
        return None

    def ground(
        self, items: Iterable[tuple[str, str] | tuple[str, str, int | None] | Quoted], title: str
    ) -> tuple[list[Evidence], list[GroundingRemoval]]:
        """Split model evidence `(source_id, text[, sentence])` into grounded spans and listed removals."""
        quotes = [q if isinstance(q, Quoted) else Quoted(*q) for q in items]
        kept: list[Evidence] = []
        removed: list[GroundingRemoval] = []
        named = [q.source_id for q in quotes]
        for q in quotes:
            found = self.resolve(q.source_id, q.text, q.sentence, others=named)
            if found is None:
                removed.append(GroundingRemoval(source_id=q.source_id, text=q.text, discrepancy_title=title))
                continue
            kept += [e for e in found[0] if e not in kept]
        return kept, removed


def _bare(word: str) -> str:
    return word.strip(".,;:!?\"'()[]")


def _typo_only(quoted: list[str], source: list[str]) -> bool:
    """Whether the source words differ from the quoted ones only by corrected typos (see module doc)."""
    from reporter.evidence.lexicon import zipf  # wordfreq loads only when a quote needs this

    fixes = 0
    for q, s in zip(quoted, source, strict=True):
        if q == s:
            continue
        qb, sb = _bare(q), _bare(s)
        if qb == sb:
            continue  # punctuation the model added or left out at a word's edge
        if any(c.isdigit() for c in qb + sb) or not sb.replace("'", "").isalpha():
            return False
        if len(sb) < 4 or zipf(sb) >= COMMON_WORD_ZIPF:
            return False  # a real word: changing it changes the meaning
        limit = 1 if len(sb) < 6 else 2
        if DamerauLevenshtein.distance(qb.lower(), sb.lower()) > limit:
            return False
        fixes += 1
    return 0 < fixes <= max(1, len(quoted) // 5)
