"""Attribution conflicts: the same quote, figure or statement credited to different people."""

from __future__ import annotations

from collections import defaultdict

from reporter.evidence.align import figure_key
from reporter.evidence.flags import Cluster, evidence, make_flag, sentence_evidence
from reporter.evidence.structure import Document, FigureSpan
from reporter.models import Discrepancy


def figure_speaker(doc: Document, fig: FigureSpan) -> str | None:
    """Who the sentence credits with the figure: the speech verb nearest before it, else any in the sentence."""
    cands = [st for st in doc.statements if st.sentence == fig.sentence]
    before = [st for st in cands if st.verb_start <= fig.start]
    chosen = before[-1] if before else (cands[0] if cands else None)
    return chosen.speaker if chosen else None


def _distinct(cluster: Cluster, speakers: list[str]) -> list[str]:
    out: list[str] = []
    for s in speakers:
        if not any(cluster.same_person(s, o) for o in out):
            out.append(s)
    return out


def _figure_conflicts(cluster: Cluster) -> list[Discrepancy]:
    """Money and percentage figures that aligned sentences credit to different people."""
    flags = []
    for group in cluster.alignment.cross_source("sentence"):
        by_key: dict[str, list[tuple[Document, FigureSpan, str]]] = defaultdict(list)
        for u in group.units:
            doc = cluster.docs[u.doc]
            for f in doc.figures:
                if f.sentence == u.index and f.kind in ("money", "percent") and f.value is not None:
                    who = figure_speaker(doc, f)
                    if who and cluster.is_person(who):
                        by_key[figure_key(f.value, f.unit)].append((doc, f, who))
        for items in by_key.values():
            people = _distinct(cluster, [who for _, _, who in items])
            if len(people) < 2 or len({d.source_id for d, _, _ in items}) < 2:
                continue
            credit = defaultdict(list)
            for d, _, who in items:
                credit[next(p for p in people if cluster.same_person(p, who))].append(d.source_id)
            told = "; ".join(f"{p} in {', '.join(sorted(set(s)))}" for p, s in credit.items())
            fig = items[0][1]
            spans = [sentence_evidence(d, f.sentence) for d, f, _ in items]
            flags.append(
                make_flag(
                    "attribution_conflict",
                    "attribution.figure",
                    "high",
                    f"The figure {fig.text} is credited to different people",
                    f"The sources agree on the figure but not on who gave it: {told}.",
                    spans,
                    0.85,
                    "Check who gave the figure and credit it consistently.",
                )
            )
    return flags


def _quote_conflicts(cluster: Cluster) -> list[Discrepancy]:
    """One remark quoted by several sources with different speakers."""
    flags = []
    for group in cluster.alignment.cross_source("quote"):
        units = [u for u in group.units if u.speaker and cluster.is_person(u.speaker)]
        clash = any(
            a.doc != b.doc and not cluster.same_person(a.speaker or "", b.speaker or "") for a in units for b in units
        )
        if not clash:
            continue
        told = "; ".join(f"{u.speaker} in {u.doc}" for u in units)
        spans = [evidence(cluster.docs[u.doc], u.start, u.end) for u in units]
        flags.append(
            make_flag(
                "attribution_conflict",
                "attribution.quote",
                "high",
                f"Quote credited to different speakers: '{units[0].text[:60]}'",
                f"The same remark is put in different mouths: {told}.",
                spans,
                0.6 + 0.3 * min(group.scores),
                "Check who said it and credit the quote consistently.",
            )
        )
    return flags


def detect(cluster: Cluster) -> list[Discrepancy]:
    """Attribution-conflict flags."""
    return [*_figure_conflicts(cluster), *_quote_conflicts(cluster)]
