"""Minority wording: in a sentence rendered by many sources (translations of one text), the words that
almost no other rendering uses are where one version most likely went wrong."""

from __future__ import annotations

from collections import Counter

from reporter.evidence.flags import Cluster, evidence, make_flag
from reporter.evidence.lexicon import STOPWORDS, WORD, stem
from reporter.models import Discrepancy

_MIN_SOURCES = 6  # fewer renderings give no reliable majority (news clusters rarely reach this)
_MAX_SHARE = 0.3  # tuned on the WMT21 dev half: a word at most 3 in 10 other renderings use
_MIN_WORDS = 1  # one odd content word is enough: the majority of renderings sets the bar


def detect(cluster: Cluster) -> list[Discrepancy]:
    """A wording-variant flag per rendering holding a run of words no other rendering shares."""
    flags = []
    for group in cluster.alignment.cross_source("sentence"):
        per_doc = {}
        for u in group.units:
            if u.doc not in per_doc or len(u.text) > len(per_doc[u.doc].text):
                per_doc[u.doc] = u
        if len(per_doc) < _MIN_SOURCES:
            continue
        stems_of = {d: {stem(m.group()) for m in WORD.finditer(u.text)} for d, u in per_doc.items()}
        used_by = Counter(s for stems in stems_of.values() for s in stems)  # renderings using each stem
        others = len(per_doc) - 1
        for d, u in per_doc.items():
            doc = cluster.docs[d]
            runs: list[list[tuple[int, int]]] = []
            current: list[tuple[int, int]] = []
            for m in WORD.finditer(doc.text, u.start, u.end):
                w = m.group()
                if w.lower() in STOPWORDS:
                    continue
                users = used_by[stem(w)] - 1  # this rendering uses it itself
                if users / others <= _MAX_SHARE:
                    current.append((m.start(), m.end()))
                else:
                    if current:
                        runs.append(current)
                    current = []
            if current:
                runs.append(current)
            spans = [evidence(doc, r[0][0], r[-1][1]) for r in runs if len(r) >= _MIN_WORDS]
            if not spans:
                continue
            shown = "; ".join(f"'{e.text}'" for e in spans[:3])
            flags.append(
                make_flag(
                    "wording_variant",
                    "wording.minority",
                    "low",
                    f"Wording no other source uses: {shown}",
                    f"{others} other sources render this sentence, and none of them uses these words ({shown}); "
                    "this rendering may have gone wrong here.",
                    spans,
                    0.55,
                    "Compare this passage with the other sources' wording.",
                )
            )
    return flags
