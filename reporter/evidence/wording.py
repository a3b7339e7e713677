"""Wording variants: one remark quoted in different words by different sources, with a word-level diff."""

from __future__ import annotations

import difflib
import re

from reporter.evidence.align import Group, Unit
from reporter.evidence.flags import Cluster, evidence, make_flag
from reporter.evidence.lexicon import MODALS, NEGATIONS, STOPWORDS
from reporter.ids import normalise_text
from reporter.models import Discrepancy

_TOKEN = re.compile(r"[\w’'-]+")


def tokens(text: str) -> list[str]:
    """Comparable word tokens of a text."""
    return _TOKEN.findall(normalise_text(text).replace("'", "’"))


def contained(a: str, b: str) -> bool:
    """One text is a shorter excerpt of the other (same words, fewer of them)."""
    na, nb = " ".join(tokens(a)), " ".join(tokens(b))
    return na in nb or nb in na


def word_diff(a: str, b: str) -> tuple[list[str], list[str]]:
    """Words only in `a` and words only in `b`, in order."""
    ta, tb = tokens(a), tokens(b)
    only_a: list[str] = []
    only_b: list[str] = []
    ops = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes()
    # words before or after the shared part that only one side quotes are a longer excerpt, not a variant
    while ops and ops[0][0] in ("insert", "delete"):
        ops = ops[1:]
    while ops and ops[-1][0] in ("insert", "delete"):
        ops = ops[:-1]
    for op, i1, i2, j1, j2 in ops:
        if op != "equal":
            only_a.extend(ta[i1:i2])
            only_b.extend(tb[j1:j2])
    return only_a, only_b


def meaning_risk(only_a: list[str], only_b: list[str], raw_a: str, raw_b: str) -> str | None:
    """Why a difference may change the meaning: negation, number, modality or a name; None if it may not."""
    changed = set(only_a) ^ set(only_b)
    if changed & NEGATIONS:
        return "negation"
    if any(re.search(r"\d", w) for w in changed):
        return "a number"
    if changed & MODALS:
        return "modality"
    names_a = set(re.findall(r"\b[A-Z][a-z]+", raw_a)) - {raw_a.split()[0]}
    names_b = set(re.findall(r"\b[A-Z][a-z]+", raw_b)) - {raw_b.split()[0]}
    if {n.lower() for n in names_a ^ names_b} & changed:
        return "a name"
    return None


def _variants(group: Group) -> dict[str, Unit]:
    """One quote per source: the longest from each."""
    best: dict[str, Unit] = {}
    for u in group.units:
        if u.doc not in best or len(u.text) > len(best[u.doc].text):
            best[u.doc] = u
    return best


def detect(cluster: Cluster) -> list[Discrepancy]:
    """A wording-variant flag per group of quotes that render one remark differently."""
    flags = []
    for group in cluster.alignment.cross_source("quote"):
        per_doc = _variants(group)
        units = list(per_doc.values())
        if len(units) < 2:
            continue
        rep = units[0]
        differing = [u for u in units[1:] if not contained(rep.text, u.text) and any(word_diff(rep.text, u.text))]
        if not differing:
            continue
        diffs = [word_diff(rep.text, u.text) for u in differing]
        risks = [meaning_risk(a, b, rep.text, u.text) for (a, b), u in zip(diffs, differing, strict=True)]
        risk = next((r for r in risks if r), None)
        changed = sum(len([w for w in a + b if w not in STOPWORDS]) for a, b in diffs)
        severity = "high" if risk else ("medium" if changed > 6 else "low")
        speaker = next((u.speaker for u in units if u.speaker), None)
        shown = "; ".join(f"'{' '.join(a) or '—'}' vs '{' '.join(b) or '—'}'" for a, b in diffs[:3])
        explanation = (
            f"The sources quote {f'{speaker}’s' if speaker else 'the same'} remark in different words "
            f"({shown})."
            + (
                f" The difference involves {risk}, so the meaning may change."
                if risk
                else " The meaning looks the same; likely translation or editing variants."
            )
        )
        score = min(group.scores[1:] or [1.0])
        first = rep.text if len(rep.text) < 60 else rep.text[:57] + "…"
        spans = [evidence(cluster.docs[u.doc], u.start, u.end) for u in [rep, *differing]]
        flags.append(
            make_flag(
                "wording_variant",
                "wording",
                severity,
                f"Quote worded differently across sources: '{first}'",
                explanation,
                spans,
                0.55 + 0.4 * score,
                "Check the original statement and use one wording (or mark the translation as such).",
            )
        )
    return flags
