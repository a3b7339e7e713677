"""Factual conflicts: aligned passages that give the same quantity or day differently.

Agreement in other words is not a conflict: '$185 billion last year' and 'US$185 billion in 2022' carry the
same value; a conversion in brackets ('US$200 billion (S$268 billion)') has another currency and is not
compared.
"""

from __future__ import annotations

import math
import re

from reporter.evidence import facts as factlib
from reporter.evidence import outcomes as outcomelib
from reporter.evidence.align import Unit
from reporter.evidence.flags import Cluster, evidence, make_flag, sentence_evidence
from reporter.evidence.lexicon import STOPWORDS, WEEKDAYS, content_stems, stem
from reporter.evidence.structure import Document
from reporter.models import Discrepancy

_ADVERBS = frozenset(["new", "further", "yet", "already", "also", "still", "not"])
_STATUS_SHARED = 3  # topic words (besides the object) two passages must share
_WEEKDAY = re.compile(rf"\b({WEEKDAYS})\b")


def _weekday(cluster: Cluster, a: Unit, b: Unit, score: float) -> Discrepancy | None:
    days_a = set(_WEEKDAY.findall(a.text))
    days_b = set(_WEEKDAY.findall(b.text))
    if len(days_a) == 1 and len(days_b) == 1 and days_a != days_b and score >= 0.7:
        da, db = cluster.docs[a.doc], cluster.docs[b.doc]
        (x,), (y,) = days_a, days_b
        return make_flag(
            "factual_conflict",
            "factual.date",
            "medium",
            f"Different days for the same event: {x} vs {y}",
            f"Aligned passages date the same event to {x} ({a.doc}) and {y} ({b.doc}).",
            [sentence_evidence(da, a.index), sentence_evidence(db, b.index)],
            0.6,
            "Check the date of the event.",
        )
    return None


_DONE = re.compile(
    r"\b(closed|signed|sealed|clinched|clinching|reached|agreed|concluded|confirmed|finali[sz]ed|approved|struck)\b"
)
_PENDING = re.compile(
    r"\b(?:look(?:ed|ing|s)? forward to|hop(?:e|es|ed|ing) to|expect(?:s|ed)? to|plan(?:s|ned)? to|aim(?:s|ed)? to|"
    r"yet to|not yet|(?:has|have|had) not|would|will|might|may|seek(?:s|ing)? to|without)\b[^.;]{0,25}$"
)
_MAX_POSTING = 300


def status_claims(doc: Document) -> list[tuple[str, bool, int]]:
    """(object stem, done?, sentence) for completion verbs: 'closed new agreements' is done,
    'looked forward to clinching new agreements' and 'agreements might be reached' are pending."""
    claims = []
    for si, sent in enumerate(doc.sentences):
        for m in _DONE.finditer(sent.text):
            before = sent.text[max(0, m.start() - 40) : m.start()]
            after = re.split(r"[,.;:“”\"]", sent.text[m.end() : m.end() + 40])[0].split()[:3]
            passive = re.search(r"\b(?:be|been|being|is|are|was|were)\s+$", before)
            if passive:
                words = [
                    w
                    for w in re.findall(r"[A-Za-z]+", before[: passive.start()])
                    if w.lower() not in _ADVERBS and w.lower() not in STOPWORDS
                ]
                obj = words[-1:]
            else:
                obj = [w for w in after if w.lower() not in _ADVERBS and w.lower() not in STOPWORDS][:1]
                if obj and (after.index(obj[0]) > 1 or after[0].lower() == "to"):
                    obj = []
            if obj and obj[0][0].islower():
                pending = bool(_PENDING.search(before)) or m.group(1) == "clinching"
                claims.append((obj[0], not pending, si))
    return claims


def _status(cluster: Cluster) -> list[Discrepancy]:
    """The same thing done in one source and only expected in another ('closed new agreements' vs 'looked
    forward to clinching new agreements'), in passages that share their topic."""
    index: dict[str, list[tuple[str, bool, int]]] = {}
    obj_word: dict[tuple[str, int], str] = {}
    for sid, doc in cluster.docs.items():
        for word, done, si in status_claims(doc):
            index.setdefault(stem(word), []).append((sid, done, si))
            obj_word[(sid, si)] = word
    flags = []
    for obj, claims in index.items():
        done = [c for c in claims if c[1]][:_MAX_POSTING]
        pending = [c for c in claims if not c[1]][:_MAX_POSTING]
        for da, _, sa in done:
            for db, _, sb in pending:
                if da == db:
                    continue
                a, b = cluster.docs[da], cluster.docs[db]
                shared = set(content_stems(a.sentences[sa].text)) & set(content_stems(b.sentences[sb].text))
                if len(shared - {obj}) < _STATUS_SHARED:
                    continue
                word = obj_word[(da, sa)]
                pronoun = "them" if word.endswith("s") else "it"
                flags.append(
                    make_flag(
                        "factual_conflict",
                        "factual.status",
                        "medium",
                        "Reported as done in one source, only expected in another",
                        f"{da} reports the {word} as done; {db} reports {pronoun} as only expected or not yet done. "
                        "Both cannot be right at the time of writing.",
                        [sentence_evidence(a, sa), sentence_evidence(b, sb)],
                        0.6,
                        "Check whether it actually happened.",
                    )
                )
                break
    return flags


_POSTING_CAP = 40  # a context word shared by more facts than this says nothing about which thing they measure
_MIN_SCORE = {"count": 2.0, "money": 3.0, "percent": 3.0, "length": 3.0, "duration": 2.0, "age": 1.5,
              "year": 2.5, "weekday": 5.0, "monthday": 5.0}
_NEEDS_NAME = frozenset(["age", "year", "weekday", "monthday", "duration"])
_GENERIC_NAMES = frozenset(["S", "U", "US", "The", "A", "In", "On", "He", "She", "It", "But", "And", "Mr", "Ms", "Mrs"])
_WHAT = {"count": "number of {unit}", "money": "amount", "percent": "percentage", "length": "size",
         "duration": "duration", "age": "age", "year": "year", "weekday": "day", "monthday": "date"}


def _fact_score(a: factlib.Fact, b: factlib.Fact, weight: dict[str, float]) -> float:
    """How surely two facts measure the same thing: idf-weighted context and names they share."""
    return sum(weight.get(x, 0.0) for x in a.context & b.context) + sum(
        weight.get("@" + n, 0.0) for n in a.names & b.names)


def _counted_as_written(chosen: list[factlib.Fact]) -> str:
    """What a count counts, in the articles' own plural ('people', 'officers', 'injuries'), not its stem
    ('peoples', 'injurs'); the stem with an 's' when no article writes a plural."""
    noun = chosen[0].unit.split(":")[0]
    forms = [w.lower() for f in chosen for w in re.findall(r"[A-Za-z][\w’'-]*", f.text) if stem(w) == noun]
    plural = [w for w in forms if w != noun or w in _IRREGULAR_PLURALS]
    return plural[0] if plural else (forms[0] if forms else noun) + ("" if noun.endswith("s") else "s")


_IRREGULAR_PLURALS = frozenset(["people", "children", "men", "women", "police", "staff", "personnel", "troops"])


def first_kind(members: list[factlib.Fact]) -> str:
    """The kind of a group of facts (all members share it)."""
    return members[0].kind


def _both_values_each(by_sentence: dict[tuple[str, int], list[factlib.Fact]], a: factlib.Fact,
                      b: factlib.Fact) -> bool:
    """Each sentence also states the other's value ('Romney leads with 21 percent, Trump and Huckabee at 17
    percent' against 'Trump tied with Huckabee at 17 percent (Romney leads at 21 percent)'): a list of the
    same values, paired differently, is no conflict."""
    def states(f: factlib.Fact, other: factlib.Fact) -> bool:
        return any(g is not f and g.kind == other.kind and g.consistent(other)
                   for g in by_sentence.get((f.doc, f.sentence), ()))
    return states(a, b) and states(b, a)


_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def _other_period(cluster: Cluster, a: factlib.Fact, b: factlib.Fact) -> bool:
    """The two sentences date their figures differently ('the effective rate for 2014 was 35.7 percent'
    against 'from 2007 through 2014 ... an effective rate of 31.55 percent'): two periods, two values."""
    if a.kind == "year":
        return False
    ya = set(_YEAR.findall(cluster.docs[a.doc].sentences[a.sentence].text))
    yb = set(_YEAR.findall(cluster.docs[b.doc].sentences[b.sentence].text))
    return bool(ya) and bool(yb) and ya != yb


def cross_source_facts(cluster: Cluster) -> list[Discrepancy]:
    """Values of the same thing that cannot both be right, wherever the sources state them (no sentence
    alignment needed): candidates come from an index on (kind, unit, context word), so the work grows with
    the facts that share a rare context word, not with all pairs of facts."""
    by_doc = {sid: factlib.facts(doc, doc.boilerplate) for sid, doc in cluster.docs.items()}
    n = len(by_doc)
    df: dict[str, int] = {}
    for fs in by_doc.values():
        for key in {x for f in fs for x in (*f.context, *("@" + m for m in f.names))}:
            df[key] = df.get(key, 0) + 1
    # a word two sources share weighs 1 whatever the cluster size; a word every source has, less
    weight = {k: math.log(1 + n / v) / math.log(1 + n / 2) for k, v in df.items()}
    weight["#harm"] = 2.0  # a count of people hurt or killed: the same casualty figure, whatever the verb
    person_words = {w for d in cluster.docs.values() for full in d.persons.values() for w in full.split()}
    by_sentence: dict[tuple[str, int], list[factlib.Fact]] = {}
    for fs in by_doc.values():
        for f in fs:
            by_sentence.setdefault((f.doc, f.sentence), []).append(f)
    index: dict[tuple[str, str, str], list[factlib.Fact]] = {}
    for fs in by_doc.values():
        for f in fs:
            for x in (*f.context, *("@" + m for m in f.names), *(("#unit",) if ":" in f.unit else ())):
                index.setdefault((f.kind, f.unit, x), []).append(f)
    edges: dict[tuple[factlib.Fact, factlib.Fact], float] = {}
    for posting in index.values():
        if len(posting) > _POSTING_CAP:
            continue
        for i, a in enumerate(posting):
            for b in posting[i + 1 :]:
                if a.doc == b.doc or (a, b) in edges or (b, a) in edges or a.consistent(b):
                    continue
                event_class = a.kind == "year" and any(c.startswith("#") for c in a.context & b.context)
                if a.kind in _NEEDS_NAME and not a.names & b.names - _GENERIC_NAMES and not event_class:
                    continue  # (a year of the same kind of event, 'passed a law in', needs no shared name)
                if a.unit == "year:":
                    continue  # a bare year ('a 2016 election'): what it dates is unclear
                if a.kind == "year" and not a.context & b.context:
                    continue  # a year dates an event: the same verb (or kind of verb) must stand by both
                if a.kind == "age" and not (a.names & b.names & person_words):
                    continue  # an age is a person's: the same person must be named
                score = _fact_score(a, b, weight)
                if score < (0.0 if ":" in a.unit else _MIN_SCORE[a.kind]):  # '48-page indictment' is specific
                    continue
                if _other_period(cluster, a, b) or _both_values_each(by_sentence, a, b):
                    continue
                if any(g.consistent(b) and _fact_score(g, b, weight) >= _MIN_SCORE[a.kind]
                       for g in by_doc[a.doc] if g.kind == a.kind and g.unit == a.unit and g is not a) or any(
                        g.consistent(a) and _fact_score(g, a, weight) >= _MIN_SCORE[a.kind]
                        for g in by_doc[b.doc] if g.kind == b.kind and g.unit == b.unit and g is not b):
                    continue  # each source also states the other's value for it: not a conflict
                edges[(a, b)] = score
    parent: dict[factlib.Fact, factlib.Fact] = {}

    def root(f: factlib.Fact) -> factlib.Fact:
        while parent.get(f, f) is not f:
            f = parent[f]
        return f

    for a, b in sorted(edges, key=lambda e: -edges[e]):
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        parent[root(a)] = root(b)
    groups: dict[factlib.Fact, list[factlib.Fact]] = {}
    for f in parent:
        groups.setdefault(root(f), []).append(f)
    flags = []
    for members in groups.values():
        one_per_doc: dict[str, factlib.Fact] = {}
        for f in sorted(members, key=lambda f: (f.doc, f.start)):
            one_per_doc.setdefault(f.doc, f)
        if len(one_per_doc) < 2:
            continue
        # the sources that state one of the disputed values too: the flag shows who says what, and the
        # agreement list cannot present a disputed value as agreed by them
        for sid, fs in by_doc.items():
            if sid in one_per_doc:
                continue
            best = max(((max(_fact_score(g, m, weight) for m in members), g) for g in fs
                        if g.kind == first_kind(members) and g.unit == members[0].unit
                        and any(g.consistent(m) for m in members)), default=None, key=lambda x: x[0])
            if best and best[0] >= _MIN_SCORE[members[0].kind] and not (
                    members[0].kind in _NEEDS_NAME and not any(best[1].names & m.names for m in members)):
                one_per_doc[sid] = best[1]
        chosen = sorted(one_per_doc.values(), key=lambda f: f.doc)
        first = chosen[0]
        what = _WHAT[first.kind].format(unit=_counted_as_written(chosen))
        told = "; ".join(f"{f.text} ({f.doc})" for f in chosen)
        flags.append(make_flag(
            "factual_conflict", f"factual.{first.kind}", "high" if first.kind in ("count", "money", "percent")
            else "medium", f"Different {what}: " + " vs ".join(list(dict.fromkeys(f.text for f in chosen))[:3]),
            f"The sources give values for what reads as the same thing that cannot all be right, even allowing "
            f"for rounding and bounds: {told}.",
            [evidence(cluster.docs[f.doc], f.start, f.end) for f in chosen], 0.7,
            "Check the value against the primary source."))
    return flags


def _outcome_conflicts(cluster: Cluster) -> list[Discrepancy]:
    """The same person given incompatible statuses: resigned vs retiring, charged vs not charged, confirmed vs
    denied (reporter/evidence/outcomes.py)."""
    flags = []
    for group in outcomelib.conflicts(cluster.docs):
        person = group[0].person
        told = "; ".join(f"{o.status} in {o.doc}" for o in group)
        flags.append(make_flag(
            "factual_conflict", "factual.outcome", "high", f"What happened to {person}: "
            + " vs ".join(dict.fromkeys(o.status for o in group)),
            f"The sources give {person} incompatible statuses: {told}.",
            [evidence(cluster.docs[o.doc], o.start, o.end) for o in group], 0.65,
            "Check which status is right at the time of writing."))
    return flags


def detect(cluster: Cluster) -> list[Discrepancy]:
    """Factual-conflict flags: from aligned sentence groups, then those found without the alignment."""
    return [*aligned(cluster), *unaligned(cluster)]


def unaligned(cluster: Cluster) -> list[Discrepancy]:
    """The flags that need no alignment (statuses, facts, outcomes): they can be found while sources align."""
    return [*_status(cluster), *cross_source_facts(cluster), *_outcome_conflicts(cluster)]


def aligned(cluster: Cluster) -> list[Discrepancy]:
    """Weekday conflicts within aligned sentence groups."""
    flags = []
    for group in cluster.alignment.cross_source("sentence"):
        rep = group.units[0]
        for u, score in zip(group.units[1:], group.scores[1:], strict=True):
            if u.doc != rep.doc and (flag := _weekday(cluster, rep, u, score)):
                flags.append(flag)
        # figures are compared by cross_source_facts (units, bounds, rounding), not per aligned group
    return flags
