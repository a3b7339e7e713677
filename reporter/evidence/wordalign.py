"""Word-level alignment of many renderings of one sentence, and a consensus score for every word.

Each rendering (a source's version of an aligned sentence) is a token sequence. Every pair of renderings is
aligned with rapidfuzz's Indel (longest common subsequence) opcodes over integer token ids: LCS keeps word
order, which a bag of words does not, and rapidfuzz computes it in C++ on integer lists, so a group of fifteen
renderings costs about a hundred alignments of microseconds each. (difflib gives the same opcodes in pure
Python, tens of times slower; a statistical word aligner such as fast_align or SimAlign needs training data
or model weights, and all versions here are in one language, where exact and synonym matches do the job.)

A word is *supported* by another rendering when the alignment pairs it with the same stem, or with a
synonym inside a replaced stretch (`reporter.evidence.synonyms`). From the pairwise alignments each word
gets the features of `FEATURES`: the share of other renderings that support it (raw, weighted by how well
each rendering agrees with the others across the whole cluster, and as a bag of words ignoring order), the
share that also contains its left and right word pairs, its neighbours' support, how far its rendering strays
from the others in this sentence, plain lexical facts (stop word, frequency, number, capital), and what the
others put in its place: the share that put other words there, and how many different replacements they use
(a spot every version words its own way is a hard one to translate, where errors gather). On the dev half
these two raised the model's character F1 by about 0.004 under document-wise cross-validation; a third, the
share agreeing on one replacement, added nothing there and made a lone odd word among identical versions
look *less* doubtful (it lies far outside what the model was fitted on), so it is not used. Last, the share
of the two least reliable other renderings that align the word (`outlier_support`): the versions least like the
rest are often the independent ones (human translations, rewrites), which dissent where most versions share an
error; on the dev half it lifted character F1 by 0.005 at equal segment precision (test: +0.001 F1, +0.005
segment precision). Weighting every vote by its version's independence (similarity to the others, effective
number of supporters) did not help (session 5). A logistic
model over these (coefficients fitted on the WMT21 dev half by `bench/fit_consensus.py`) turns them into the
probability that a professional rater would mark the word as a major error.

Identical renderings are aligned once and counted with their multiplicity, and each rendering is compared with
at most `MAX_PANEL` distinct others, so a cluster of hundreds of near-identical versions stays linear.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import compress, islice
from operator import add, itemgetter, mul
from typing import NamedTuple

from rapidfuzz.distance import Indel

from reporter.evidence.lexicon import STOPWORDS, stem, zipf
from reporter.evidence.synonyms import means_any

TOKEN = re.compile(r"\w+(?:['’]\w+)*")
MAX_PANEL = 24  # distinct renderings each rendering is compared with, at most (keeps big clusters linear)
OUTLIERS = 2  # the least reliable other renderings whose support is a feature of its own (`outlier_support`)


class Token(NamedTuple):
    """One word of a rendering, with its offsets in the source text (a tuple: cheap to build by the thousand)."""

    word: str
    key: str  # the comparable form: lower-cased stem
    start: int
    end: int


@dataclass
class Rendering:
    """One source's version of an aligned sentence (all of its units, in text order)."""

    doc: str
    tokens: list[Token]
    support: list[float] = field(default_factory=list)  # share of other renderings aligning each token
    wsupport: list[float] = field(default_factory=list)  # the same, weighted by each rendering's reliability
    bag: list[float] = field(default_factory=list)  # share of other renderings containing the token anywhere
    left_pair: list[float] = field(default_factory=list)  # share containing (previous token, token)
    right_pair: list[float] = field(default_factory=list)  # share containing (token, next token)
    replaced: list[float] = field(default_factory=list)  # share of others with other words in its place
    alt_kinds: list[float] = field(default_factory=list)  # distinct replacements, per other rendering
    outlier_support: list[float] = field(default_factory=list)  # the same, among the least reliable others only


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word tokens of text[start:end] with absolute offsets."""
    end = len(text) if end is None else end
    # tuple.__new__ skips the named tuple's Python-level __new__: a quarter of the time on long articles
    return [_new(Token, (w, key_of(w), m.start(), m.end())) for m in TOKEN.finditer(text, start, end)
            for w in (m.group(),)]


_new = tuple.__new__


def tokenize_spans(text: str, spans: Sequence[tuple[int, int]], memo: dict[str, list[Token]]) -> list[Token]:
    """`tokenize` of several spans of `text`, one after the other. Each distinct span text is tokenized once
    (`memo`, shared by the caller across documents) and only its offsets are moved: in a cluster of versions of
    one text most sentences recur word for word, and tokenizing was a tenth of the consensus detector's time.
    (TOKEN has no look-behind or anchor, so a span's tokens do not depend on the text around it.)"""
    out: list[Token] = []
    for start, end in spans:
        piece = text[start:end]
        tokens = memo.get(piece)
        if tokens is None:
            tokens = memo[piece] = tokenize(piece)
        out.extend([_new(Token, (w, k, start + s, start + e)) for w, k, s, e in tokens])
    return out


@lru_cache(maxsize=200_000)
def key_of(word: str) -> str:
    """Comparable form of a word: lower case, British/American spelling folded, crude stem."""
    w = word.lower().replace("’", "'")
    w = re.sub(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations)$", r"iz\1", w)
    w = re.sub(r"(?<=[a-z]{2})our$", "or", w)
    return stem(w)


def _classes(renderings: Sequence[Rendering]) -> tuple[list[tuple[str, ...]], list[int], list[int]]:
    """Distinct key sequences, the class of each rendering, and each class's multiplicity."""
    index: dict[tuple[str, ...], int] = {}
    seqs: list[tuple[str, ...]] = []
    of: list[int] = []
    for r in renderings:
        keys = tuple(t.key for t in r.tokens)
        if keys not in index:
            index[keys] = len(seqs)
            seqs.append(keys)
        of.append(index[keys])
    mult = [0] * len(seqs)
    for c in of:
        mult[c] += 1
    return seqs, of, mult


_END = ("end", 0, 0, 0, 0)  # after the last opcode: flushes a pending replacement


def _supported(
    a: tuple[str, ...], b: tuple[str, ...], ia: list[int], ib: list[int]
) -> tuple[list[bool], list[tuple[str, ...]]]:
    """Which tokens of `a` the alignment with `b` pairs with an equal or synonymous token of `b` (`ia`, `ib`:
    the same sequences as integer ids, equal ids for equal keys); and for each token it does not, what `b` has
    in its place (the words of the facing replaced stretch; empty where `b` has nothing there)."""
    out = [False] * len(a)
    instead: list[tuple[str, ...]] = [()] * len(a)
    pending_del: list[int] = []
    pending_ins: list[int] = []
    for tag, i1, i2, j1, j2 in [*Indel.opcodes(ia, ib).as_list(), _END]:  # tuples: cheaper than Opcode objects
        if tag in ("equal", "end"):
            # a deleted stretch facing an inserted one is a replacement: synonyms there still agree
            if pending_del:
                theirs = tuple(b[j] for j in pending_ins)
                facing = set(theirs)
                for i in pending_del:
                    if means_any(a[i], facing):
                        out[i] = True
                    else:
                        instead[i] = theirs
                pending_del = []
            pending_ins = []
            out[i1:i2] = [True] * (i2 - i1)
        elif tag == "delete":
            pending_del.extend(range(i1, i2))
        elif tag == "insert":
            pending_ins.extend(range(j1, j2))
        else:  # replace (Indel emits none, kept for safety)
            pending_del.extend(range(i1, i2))
            pending_ins.extend(range(j1, j2))
    return out, instead


def align_renderings(
    renderings: Sequence[Rendering], reliability: dict[str, float] | None = None, memo: dict | None = None
) -> None:
    """Fill every rendering's support lists from pairwise word alignments (deterministic for a given order).

    `memo`: pass the same dict when the same renderings are aligned again with reliabilities; the pairwise
    alignments and every count that does not depend on reliability are then computed once, not twice."""
    seqs, of, mult = _classes(renderings)
    rel_of_class = [0.0] * len(seqs)
    for r, c in zip(renderings, of, strict=True):
        rel_of_class[c] += (reliability or {}).get(r.doc, 1.0)
    # the panel: the most common distinct renderings first (ties by sequence, for determinism)
    order = sorted(range(len(seqs)), key=lambda c: (-mult[c], seqs[c]))
    panel = order[:MAX_PANEL]
    counts = memo.get("counts") if memo is not None else None
    if counts is None:
        counts = _pair_counts(seqs, mult, panel)
        if memo is not None:
            memo["counts"] = counts
    per_class: dict[int, tuple[list[float], ...]] = {}
    for c, (sup, bag, lp, rp, total, peer_flags, _) in enumerate(counts):
        wsup = [0.0] * len(seqs[c])
        wtotal = 0.0
        for p, flags in peer_flags:  # in panel order: the weighted sums add up exactly as they always have
            w = rel_of_class[p]
            wtotal += w
            for k in compress(range(len(flags)), flags):
                wsup[k] += w
        per_class[c] = (sup, wsup, bag, lp, rp, [total], [wtotal])
    for r, c in zip(renderings, of, strict=True):
        sup, wsup, bag, lp, rp, (total,), (wtotal,) = per_class[c]
        repl, kinds = counts[c][6]
        # identical copies of this rendering (other sources) support every one of its words
        same = mult[c] - 1
        wsame = rel_of_class[c] - (reliability or {}).get(r.doc, 1.0)
        n_tot, w_tot = total + same, wtotal + wsame
        r.support = [(s + same) / n_tot if n_tot else 0.0 for s in sup]
        r.wsupport = [(s + wsame) / w_tot if w_tot else 0.0 for s in wsup]
        r.bag = [(s + same) / n_tot if n_tot else 0.0 for s in bag]
        r.left_pair = [(s + same) / n_tot if (n_tot and k) else 1.0 for k, s in enumerate(lp)]
        last = len(rp) - 1
        r.right_pair = [(s + same) / n_tot if (n_tot and k < last) else 1.0 for k, s in enumerate(rp)]
        r.replaced, r.alt_kinds = ([s / n_tot if n_tot else 0.0 for s in v] for v in (repl, kinds))
    if reliability is not None:
        _outlier_support(renderings, reliability, seqs, of, counts)


def _outlier_support(renderings: Sequence[Rendering], reliability: dict[str, float], seqs: list[tuple[str, ...]],
                     of: list[int], counts: list[tuple]) -> None:
    """Each rendering's `outlier_support`: the share of the `OUTLIERS` least reliable other renderings (by
    reliability, then source id: deterministic) that align each of its words. The versions least like the rest
    are often independent ones (human translations, rewrites), and they dissent more often than the others
    where most versions share an error (WMT21 dev, words 70 % of the others back: the human reference A leaves
    out 27 % of those holding a major error and 22 % of the rest; B 19 % and 11 %)."""
    ranked = sorted(zip(renderings, of, strict=True), key=lambda rc: (reliability.get(rc[0].doc, 0.5), rc[0].doc))
    ids: dict[str, int] = {}
    # the values depend only on the rendering's wording and the outliers' wordings: computed once per such pair
    # (every rendering but the outliers themselves has the same outliers); the lists are shared, never changed
    done: dict[tuple[int, tuple[int, ...]], list[float]] = {}
    for r, c in zip(renderings, of, strict=True):
        lowest = tuple(oc for _, oc in islice((rc for rc in ranked if rc[0] is not r), OUTLIERS))
        values = done.get((c, lowest))
        if values is None:
            n = len(seqs[c])
            backed = [0] * n
            for oc in lowest:
                if oc == c:
                    flags = b"\x01" * n  # an identical wording backs every word
                else:
                    flags = next((f for p, f in counts[c][5] if p == oc), None) or bytes(_supported(
                        seqs[c], seqs[oc], [ids.setdefault(k, len(ids)) for k in seqs[c]],
                        [ids.setdefault(k, len(ids)) for k in seqs[oc]])[0])  # outside the panel: aligned here
                backed = list(map(add, backed, flags))
            m = len(lowest)
            values = done[c, lowest] = [b / m for b in backed] if m else [1.0] * n
        r.outlier_support = values


def _pair_counts(seqs: list[tuple[str, ...]], mult: list[int], panel: list[int]) -> list[tuple]:
    """Per distinct rendering: how many renderings of the panel (with multiplicity) align, contain, and
    contain the left and right word pair of each token, their total, and each panel member's alignment
    flags (as bytes: they are kept for the weighted pass); then, per token, how many put other words in its
    place and how many different replacements there are.
    Counts are sums of integers, so exact in any order."""
    ids: dict[str, int] = {}
    as_ids = [[ids.setdefault(k, len(ids)) for k in s] for s in seqs]
    pairs = [set(zip(s, s[1:], strict=False)) for s in seqs]
    sets = [set(s) for s in seqs]
    out = []
    for c, seq in enumerate(seqs):
        n = len(seq)
        sup, bag, lp, rp, repl = ([0.0] * n for _ in range(5))
        alts: list[set[tuple[str, ...]]] = [set() for _ in range(n)]
        total = 0.0
        own_pairs = list(zip(seq, seq[1:], strict=False))
        positions = range(n)
        peer_flags = []
        for p in panel:
            if p == c:
                continue
            supported, instead = _supported(seq, seqs[p], as_ids[c], as_ids[p])
            flags = bytes(supported)
            peer_flags.append((p, flags))
            m = mult[p]
            total += m
            for k in compress(positions, supported):
                sup[k] += m
            for k in compress(positions, instead):  # a replaced token (unsupported: nothing facing it is equal)
                repl[k] += m
                alts[k].add(instead[k])
            for k in compress(positions, map(sets[p].__contains__, seq)):
                bag[k] += m
            for j in compress(positions, map(pairs[p].__contains__, own_pairs)):
                lp[j + 1] += m
                rp[j] += m
        out.append((sup, bag, lp, rp, total, peer_flags, (repl, [float(len(a)) for a in alts])))
    return out


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean, 0 for nothing (math.fsum: exact, so independent of summation order)."""
    return math.fsum(values) / len(values) if values else 0.0


FEATURES = (
    "support", "wsupport", "bag", "stop", "zipf", "number", "capital", "rendering_mean", "group_mean",
    "reliability", "left", "right", "length_ratio", "renderings", "position", "support_sq", "neighbour_min",
    "support_stop", "left_pair", "right_pair", "pair_min", "pair_product", "coverage",
    "replaced", "alt_kinds", "outlier_support",
)  # fmt: skip


def features(
    renderings: Sequence[Rendering], reliability: dict[str, float], sources: int | None = None
) -> list[list[list[float]]]:
    """The FEATURES vector of every token of every rendering (renderings already aligned).

    Renderings with the same words (as written: case, frequency and digits are read from the surface form, not
    the stem) and the same support get the same rows but for their weighted support, reliability and outlier
    support, so the rows are built once per distinct rendering and copied with those three set (big clusters
    hold many identical versions)."""
    lengths = sorted(len(r.tokens) for r in renderings)
    median = lengths[len(lengths) // 2] or 1
    group_mean = mean([mean(r.support) for r in renderings if r.tokens])
    n = len(renderings)
    coverage = n / max(n, sources or n)  # share of the cluster's sources that render this sentence
    built: dict[tuple, list[list[float]]] = {}
    out: list[list[list[float]]] = []
    for r in renderings:
        rel = reliability.get(r.doc, 0.5)
        key = (tuple(map(_WORD, r.tokens)), tuple(r.support))
        template = built.get(key)
        if template is not None:
            rows = [row.copy() for row in template]
            for row, w, o in zip(rows, r.wsupport, r.outlier_support or r.support, strict=True):
                row[_WSUPPORT_AT] = w
                row[_RELIABILITY_AT] = rel
                row[_OUTLIER_AT] = o
            out.append(rows)
            continue
        rows = []
        rmean = mean(r.support)
        last = len(r.tokens) - 1
        ratio, size, renderings = len(r.tokens) / median, max(1, len(r.tokens)), float(n)
        support, wsupport, bag, left_pair, right_pair = r.support, r.wsupport, r.bag, r.left_pair, r.right_pair
        # aligned without reliabilities, no version is less reliable than another: all of them are the outliers
        replaced, alt_kinds, outlier = r.replaced, r.alt_kinds, r.outlier_support or r.support
        for k, t in enumerate(r.tokens):
            s = support[k]
            left = support[k - 1] if k else 1.0
            right = support[k + 1] if k < last else 1.0
            stop, frequency, number, capital = _lexical(t.word)
            lp, rp = left_pair[k], right_pair[k]
            rows.append([
                s, wsupport[k], bag[k], stop, frequency, number,
                capital if k else 0.0, rmean, group_mean, rel,
                left, right, ratio, renderings, k / size, s * s, left if left <= right else right,
                s * stop, lp, rp, lp if lp <= rp else rp, lp * rp, coverage,
                replaced[k], alt_kinds[k], outlier[k],
            ])  # fmt: skip
        built[key] = rows
        out.append(rows)
    return out


_WORD = itemgetter(0)  # Token.word
_WSUPPORT_AT, _RELIABILITY_AT, _OUTLIER_AT = (FEATURES.index(f) for f in ("wsupport", "reliability", "outlier_support"))


@lru_cache(maxsize=200_000)
def _lexical(word: str) -> tuple[float, float, float, float]:
    """A word's stop-word, frequency, number and capital features (the same wherever it stands)."""
    low = word.lower()
    return (1.0 if low in STOPWORDS else 0.0, zipf(low), 1.0 if word[0].isdigit() else 0.0,
            1.0 if word[0].isupper() else 0.0)


@dataclass(frozen=True)
class Model:
    """A logistic model over standardised FEATURES."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, x: Sequence[float]) -> float:
        """P(the word is a major error) for one feature vector (a fixed summation order: deterministic)."""
        coef, const = self._linear
        z = const + sum(map(mul, coef, x))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @cached_property
    def _linear(self) -> tuple[tuple[float, ...], float]:
        """The model as plain coefficients on raw features (standardisation folded in), computed once per
        model (kept on the instance: hashing the model for a lookup cost more than the sum itself)."""
        coef = tuple(w / s for w, s in zip(self.weights, self.scales, strict=True))
        return coef, self.bias - math.fsum(c * m for c, m in zip(coef, self.means, strict=True))


def runs(probabilities: Sequence[float], high: float, low: float) -> list[tuple[int, int]]:
    """Token index runs [i, j] to flag: every token at or above `high`, grown over neighbours at or above
    `low` (hysteresis, so a phrase is marked whole while a lone weak word is not)."""
    n = len(probabilities)
    flag = [p >= high for p in probabilities]
    for k in range(n):  # grow rightwards, then leftwards
        if not flag[k] and k and flag[k - 1] and probabilities[k] >= low:
            flag[k] = True
    for k in range(n - 1, -1, -1):
        if not flag[k] and k + 1 < n and flag[k + 1] and probabilities[k] >= low:
            flag[k] = True
    out: list[tuple[int, int]] = []
    for k in range(n):
        if flag[k]:
            if out and out[-1][1] == k - 1:
                out[-1] = (out[-1][0], k)
            else:
                out.append((k, k))
    return out
