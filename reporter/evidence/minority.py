"""Minority wording: in a sentence many sources render (translations of one text), the words the other
renderings do not back are where one version most likely went wrong.

The versions of each aligned sentence are aligned word by word (`wordalign`); every word gets a consensus
score from how many other versions, weighted by their reliability, align it (and how many of the two least
reliable ones, often the independent versions that see an error most others share), and a logistic model fitted on
the WMT21 dev half (`bench/fit_consensus.py`, coefficients in `reporter/data/consensus_model.json`) turns the
scores into the probability of an error. The evidence is the differing words only, as tight verbatim spans.
A rendering is flagged only when its words hold enough doubt beyond the flagging threshold (the sum of
max(0, p - high) over its words, at least `excess` in the model file): a version whose words only just reach
the threshold is more often a free rendering than an error. On the dev half this gate lifted the share of
flagged sentences that really hold an error (segment precision) more per unit of character F1 lost than a gate
on the plain sum, on the highest probability or on the number of flagged words did (measured once, session 3;
`bench/fit_consensus.py` grids this gate only).
In a cluster of six or more sources, a sentence only two to five versions render alike (the others said it
too differently to align) is the same signal at sentence level: its words are scored the same way, with the
share of sources rendering the sentence as one more feature, and its flag gets a lower confidence.
A missing word has no score of its own: a version that leaves out the negation or the figure every other
version has (`omissions`) is added to its sentence's flag, which is then of high severity.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

from rapidfuzz.distance import Indel

from reporter.evidence.align import Group
from reporter.evidence.flags import Cluster, evidence, make_flag
from reporter.evidence.lexicon import NEGATIONS
from reporter.evidence.wordalign import (
    FEATURES,
    Model,
    Rendering,
    Token,
    align_renderings,
    features,
    key_of,
    mean,
    runs,
    tokenize_spans,
)
from reporter.models import Discrepancy, Evidence

_MIN_SOURCES = 6  # a cluster of fewer sources gives no reliable majority (news clusters rarely reach this)
_MIN_RENDERINGS = 2  # in such a cluster, a sentence only a few versions render is itself a signal


@lru_cache(maxsize=1)
def model() -> tuple[Model, float, float, float]:
    """The fitted model and its thresholds: flag a word at `high`, grow a phrase over words at `low`, and
    only in a rendering whose words' probabilities exceed `high` by `excess` or more in sum (`doubt`)."""
    data = json.loads(resources.files("reporter").joinpath("data/consensus_model.json").read_text("utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise RuntimeError("reporter/data/consensus_model.json does not match wordalign.FEATURES; refit it")
    m = Model(tuple(data["means"]), tuple(data["scales"]), tuple(data["weights"]), float(data["bias"]))
    return m, float(data["high"]), float(data["low"]), float(data.get("excess", 0.0))


def doubt(probabilities: list[float], high: float) -> float:
    """How far a rendering's words lie above the flagging threshold, summed (fsum: independent of order)."""
    return math.fsum(p - high for p in probabilities if p > high)


def renderings_of_one_text(cluster: Cluster) -> bool:
    """The sources are versions of one text (translations, rewrites of one wire story): in the median source
    at least half the sentences align with half the other sources or more. Independent reports of one event
    (the FNC and BASIL clusters) share few sentences, and there a minority wording is no sign of an error
    (h13: 85 false flags on 13 real news clusters without this check)."""
    n = len(cluster.docs)
    covered = dict.fromkeys(cluster.docs, 0)
    for group in cluster.alignment.cross_source("sentence"):
        if len(group.docs) * 2 >= n:
            for u in group.units:
                covered[u.doc] += 1
    shares = sorted(min(1.0, covered[sid] / max(1, len(doc.sentences))) for sid, doc in cluster.docs.items())
    return shares[len(shares) // 2] >= 0.5


def renderings_of(cluster: Cluster, group: Group) -> list[Rendering]:
    """One rendering per source of the group: the words of all its units there, in text order."""
    per_doc: dict[str, list[tuple[int, int]]] = {}
    for u in sorted(group.units, key=lambda u: (u.doc, u.start)):
        per_doc.setdefault(u.doc, []).append((u.start, u.end))
    memo: dict[str, list[Token]] = {}  # the versions of a sentence often match word for word
    rendered = ((d, tokenize_spans(cluster.docs[d].text, spans, memo)) for d, spans in per_doc.items())
    return [Rendering(d, toks) for d, toks in rendered if toks]


def featured_groups(cluster: Cluster) -> list[tuple[Group, list[Rendering], list[list[list[float]]]]]:
    """Every sentence group with enough renderings, its renderings and each word's FEATURES."""
    aligned = aligned_groups(cluster, groups_to_score(cluster))
    return featured(aligned, reliability_of([backing(aligned)]), len(cluster.docs))


def groups_to_score(cluster: Cluster) -> list[Group]:
    """The sentence groups whose renderings are scored (none unless the sources are versions of one text)."""
    return cluster.alignment.cross_source("sentence") if scores_words(cluster) else []


def scores_words(cluster: Cluster) -> bool:
    """This detector scores the cluster's sentences word by word: enough sources, and versions of one text."""
    return len(cluster.docs) >= _MIN_SOURCES and renderings_of_one_text(cluster)


def aligned_groups(cluster: Cluster, groups: list[Group]) -> list[tuple[Group, list[Rendering], dict]]:
    """Each group with enough renderings, its renderings aligned word by word (support without reliability),
    and the memo of its pairwise alignments. Groups are independent: any subset can be done anywhere."""
    out = []
    for group in groups:
        rs = renderings_of(cluster, group)
        if len(rs) >= _MIN_RENDERINGS:
            memo: dict = {}  # the second alignment (`featured`) reuses the word alignments of this one
            align_renderings(rs, None, memo)
            out.append((group, rs, memo))
    return out


def backing(aligned: list[tuple[Group, list[Rendering], dict]]) -> dict[str, list[float]]:
    """Per source, the support of each of its words in these groups."""
    backed: dict[str, list[float]] = {}
    for _, rs, _ in aligned:
        for r in rs:
            backed.setdefault(r.doc, []).extend(r.support)
    return backed


def reliability_of(parts: list[dict[str, list[float]]]) -> dict[str, float]:
    """Reliability of a source: how much of its wording the other versions back, over the whole cluster
    (`parts`: `backing` of groups done apart; the mean is an exact sum, so it does not depend on the split)."""
    backed: dict[str, list[float]] = {}
    for part in parts:
        for doc, values in part.items():
            backed.setdefault(doc, []).extend(values)
    return {d: mean(v) for d, v in sorted(backed.items())}


def featured(
    aligned: list[tuple[Group, list[Rendering], dict]], reliability: dict[str, float], sources: int
) -> list[tuple[Group, list[Rendering], list[list[list[float]]]]]:
    """Each aligned group, its renderings re-aligned with the reliabilities, and each word's FEATURES."""
    out = []
    for group, rs, memo in aligned:
        align_renderings(rs, reliability, memo)
        memo.clear()  # the pairwise alignments are no longer needed: free them group by group
        out.append((group, rs, features(rs, reliability, sources)))
    return out


def scored_groups(cluster: Cluster) -> list[tuple[Group, list[Rendering], list[list[float]]]]:
    """Every sentence group with enough renderings, its renderings and each word's error probability."""
    return scored(featured_groups(cluster))


def scored(
    featured: list[tuple[Group, list[Rendering], list[list[list[float]]]]],
) -> list[tuple[Group, list[Rendering], list[list[float]]]]:
    """Each featured group with each word's error probability instead of its features."""
    m, high, _, _ = model()
    out = []
    for g, rs, feats in featured:
        probs = [[m.probability(x) for x in rows] for rows in feats]
        if len(rs) >= _MIN_SOURCES:
            for r, p in zip(rs, probs, strict=True):
                for k in range(len(p)):
                    if _unanimously_replaced(r, k, len(rs) - 1):
                        p[k] = max(p[k], high)
        out.append((g, rs, probs))
    return out


def _forced(r: Rendering, renderings: int) -> bool:
    """The rendering holds a word every other version replaces alike: flagged whatever the doubt gate says."""
    return renderings >= _MIN_SOURCES and any(_unanimously_replaced(r, k, renderings - 1) for k in range(len(r.tokens)))


def _unanimously_replaced(r: Rendering, k: int, others: int) -> bool:
    """Every other version has one and the same other wording where this one has word `k` ('northern' in
    seven versions, 'southern' in the eighth). Translations of real text almost never agree that fully, so the
    model, fitted on them, underrates this case; it is flagged whatever the model says."""
    return r.replaced[k] == 1.0 and math.isclose(r.alt_kinds[k] * others, 1.0)


def detect(cluster: Cluster) -> list[Discrepancy]:
    """One wording-variant flag per sentence many sources render, with the doubtful words of each rendering."""
    return flags_of(cluster, scored_groups(cluster))


def flags_of(cluster: Cluster, scored: list[tuple[Group, list[Rendering], list[list[float]]]]) -> list[Discrepancy]:
    """The flags of scored groups, in their order."""
    _, high, low, excess = model()
    flags = []
    for group, rs, probs in scored:
        spans: list[Evidence] = []
        peak = 0.0
        for r, p in zip(rs, probs, strict=True):
            if excess and doubt(p, high) < excess and not _forced(r, len(rs)):
                continue  # too little doubt in this version as a whole
            doc = cluster.docs[r.doc]
            for i, j in runs(p, high, low):
                spans.append(evidence(doc, r.tokens[i].start, r.tokens[j].end))
                peak = max(peak, *p[i : j + 1])
        gaps = omissions(rs)
        dropped = [evidence(cluster.docs[r.doc], start, end) for r, (start, end), _ in gaps]
        spans.extend(e for e in dropped if not any(e.source_id == s.source_id and e.start < s.end and s.start < e.end
                                                   for s in spans))
        if not spans:
            continue
        shown = "; ".join(f"'{e.text}'" for e in spans[:3])
        first = group.units[0].text if len(group.units[0].text) < 60 else group.units[0].text[:57] + "…"
        weak = len(rs) < _MIN_SOURCES  # most versions render this sentence differently or not at all
        words = f"the marked words ({shown}{'; …' if len(spans) > 3 else ''})"
        explanation = (
            f"Only {len(rs)} of {len(cluster.docs)} sources render this sentence recognisably alike; {words} are "
            "where they differ, so a version may have gone wrong there (weak alignment: a lower confidence)."
            if weak
            else f"{len(rs)} sources render this sentence; {words} are not backed by most of the other "
            "renderings, so those renderings may have gone wrong there."
        )
        missing = gaps[0][2] if gaps else ""
        if dropped:  # one version at most (`omissions`)
            explanation += (f" One version ('{dropped[0].text}') leaves out the {missing} every other version has: "
                            + ("the meaning may be reversed there." if missing == "negation" else
                               "the fact is lost there."))
        flags.append(
            make_flag(
                "wording_variant",
                "wording.minority",
                "high" if dropped else "low",
                f"A version leaves out a {missing} the others have: '{first}'" if dropped
                else f"Sources render one sentence with words few others use: '{first}'",
                explanation,
                spans,
                (0.5 if weak else 0.55) + 0.4 * peak,
                "Compare the marked passages with the majority wording.",
            )
        )
    return flags


def omissions(rs: list[Rendering]) -> list[tuple[Rendering, tuple[int, int], str]]:
    """A rendering that leaves out the negation, or the number, all the others have ('will not accept' in six
    versions, 'will accept' in the seventh; 'killed 12 people' in six, 'killed people' in one), with the span
    around the gap and what is missing. Word consensus cannot see a missing word (the version's own words are
    all backed); a dropped 'not' reverses the meaning, a dropped figure loses the fact. Needs `_MIN_SOURCES`
    renderings: with fewer, one version's negation or number is as likely the odd one out."""
    if len(rs) < _MIN_SOURCES:
        return []
    for what, marks, holds in (("negation", lambda t: negates(t.word), lambda t: negates(t.word) or t.key in _NEGATING),
                               ("number", _is_figure, lambda t: _is_figure(t) or t.key in _NUMBER_WORDS)):
        gap = _left_out(rs, marks, holds)
        if gap is not None:
            return [(*gap, what)]
    return []


def _left_out(rs: list[Rendering], marks: Callable[[Token], bool], holds: Callable[[Token], bool]
              ) -> tuple[Rendering, tuple[int, int]] | None:
    """The one rendering holding no word of a kind (`holds`) where all the others share one (`marks`), and the
    span of its words around the gap; None unless exactly one rendering lacks it."""
    without = None
    for candidate in rs:  # stops at the second rendering without it: most sentences have no negation at all
        if not any(holds(t) for t in candidate.tokens):
            if without is not None:
                return None
            without = candidate
    if without is None or not without.tokens:
        return None
    r = without
    shared = set.intersection(*({t.key for t in o.tokens if marks(t)} for o in rs if o is not r))
    if not shared:
        return None  # the others put it in different words: more likely a rephrasing than one omission
    other = next(o for o in rs if o is not r)  # the first other version: all of them have the word
    ids: dict[str, int] = {}
    mine = [ids.setdefault(t.key, len(ids)) for t in r.tokens]
    theirs = [ids.setdefault(t.key, len(ids)) for t in other.tokens]
    k = next(i for i, t in enumerate(other.tokens) if t.key in shared)
    for tag, i1, i2, j1, _ in Indel.opcodes(theirs, mine).as_list():
        if tag != "equal" and i1 <= k < i2:  # the word faces a gap at r's token j1: mark the words around it
            left, right = max(0, j1 - 1), min(len(r.tokens) - 1, j1)
            return r, (r.tokens[left].start, r.tokens[right].end)
    return None


def _is_figure(token: Token) -> bool:
    return token.word[0].isdigit()


_NUMBER_WORDS = frozenset(key_of(w) for w in [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty",
    "sixty", "seventy", "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands", "million", "millions",
    "billion", "billions", "trillion", "dozen", "dozens", "half", "quarter", "percent"])


# words that negate without a negation word ('unable to', 'avoid walking', 'failed to'), by their stem (`key`)
_NEGATING = frozenset(key_of(w) for w in (
    "unable", "without", "avoid", "fail", "failed", "lack", "lacking", "refuse", "refused", "deny", "denied",
    "neither", "nor", "hardly", "barely", "absent", "prevent", "prohibit", "ban", "free", "far"))


def negates(word: str) -> bool:
    """A negation: 'not', 'never', 'no'... or a contracted one ('don't', 'won’t', 'cannot')."""
    low = word.lower().replace("’", "'")
    return low in NEGATIONS or low.endswith("n't") or low == "cannot"
