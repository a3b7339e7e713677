"""The deterministic evidence engine: structure, alignment and detectors (no LLM).

`analyse()` is the single entry point: it parses every source, removes boilerplate, aligns the sources and
runs each detector, returning merged flags (most severe and confident first) and points of agreement.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from reporter import parallel, progress
from reporter.config import EvidenceThresholds
from reporter.evidence import attribution, boilerplate, factual, garbled, language, minority, slips, spelling, wording
from reporter.evidence.align import Alignment, Group, Unit, align
from reporter.evidence.flags import Cluster, SpanIndex, evidence, merge_flags
from reporter.evidence.structure import Document, parse
from reporter.evidence.wording import contained
from reporter.models import ConsensusPoint, Discrepancy, Source

DETECTORS = (
    boilerplate.detect,
    spelling.detect,
    garbled.detect,
    slips.detect,
    wording.detect,
    minority.detect,
    attribution.detect,
    factual.detect,
)
# Detectors that run in forked children (`reporter.parallel`) while this process works on: those that read no
# alignment start right after parsing, while this process aligns; the word-consensus detector, which costs
# about as much as all the others together on a large cluster of versions of one text, is shared: a child
# takes part of its sentence groups, this process the rest besides the other detectors (`_minority`).
EARLY_DETECTORS = (boilerplate.detect, spelling.detect, slips.detect, factual.unaligned)  # no alignment read
SHARED_DETECTORS = (minority.detect,)
# The share of the word-consensus work (by estimated cost) the child takes: this process also runs the
# other aligned detectors meanwhile.
MINORITY_CHILD_SHARE = 0.65
# Aligned detectors this process runs after the exchange of reliabilities with the word-consensus child, the
# others before it: the child's share of the word-consensus work is larger on both sides of the exchange, so
# the other detectors are split across the two sides for neither process to wait long at the exchange or at the
# end (measured on 50 long articles: the child's second half took 2.3 s of CPU, this process's 0.9 s, while
# attribution and factual.aligned take about 1.1 s together).
AFTER_EXCHANGE = (attribution.detect, factual.aligned)
# Below this much text the whole analysis takes well under a second: not worth a fork.
PARALLEL_MIN_CHARS = 200_000
_CONSENSUS_MIN_SCORE = 0.6
_CONSENSUS_MIN_QUOTE_WORDS = 4  # 'no limits' alone is not a point anyone needs listed


@dataclass
class EvidenceReport:
    """What the engine found in one cluster of sources."""

    documents: dict[str, Document]
    discrepancies: list[Discrepancy]
    consensus: list[ConsensusPoint]
    # which sentences and quotes of which sources report the same thing (shown to the model's brief step)
    alignment: Alignment | None = field(default=None)
    # the language of each document ('en', ...; None: too little text to tell)
    languages: dict[str, str | None] = field(default_factory=dict)


def analyse(sources: list[Source], thresholds: EvidenceThresholds | None = None) -> EvidenceReport:
    """Parse, align and check every source; flags are merged, filtered by confidence and sorted.
    Each stage is announced to `reporter.progress` (a progress line on long runs, nothing otherwise)."""
    with parallel.fewer_collections():
        return _analyse(sources, thresholds)


def _analyse(sources: list[Source], thresholds: EvidenceThresholds | None) -> EvidenceReport:
    thresholds = thresholds or EvidenceThresholds()
    step = progress.stage
    step("reading structure")
    ordered = sorted(sources, key=lambda s: s.id)  # flags must not depend on order
    fork = sum(len(s.text) for s in sources) >= PARALLEL_MIN_CHARS
    docs = dict(zip([s.id for s in ordered], _parse_all(ordered, fork), strict=True))
    boilerplate.mark_unrelated_tail(docs)
    found: dict[object, list[Discrepancy]] = {}
    # the early child collects the cluster's vocabulary itself, so that this process starts aligning at once
    early = parallel.Job(_early, docs, thresholds, fork=fork)
    late: parallel.Dialog | None = None
    try:
        step("aligning sources")
        alignment = align(list(docs.values()), thresholds.align_similarity, thresholds.wording_min_similarity)
        cluster = Cluster.build(docs, alignment, thresholds)
        groups = minority.groups_to_score(cluster)
        cut = _cut(groups, MINORITY_CHILD_SHARE)
        late = parallel.Dialog(_minority_part, cluster, groups[cut:], fork=fork and cut < len(groups))
        mine = minority.aligned_groups(cluster, groups[:cut])
        here = [d for d in (*DETECTORS, factual.aligned)
                if d not in (*EARLY_DETECTORS, *SHARED_DETECTORS, factual.detect)]
        for detect in here:
            if detect not in AFTER_EXCHANGE:
                step(f"checking {detect.__module__.rsplit('.', 1)[-1]}")
                found[detect] = detect(cluster)
        step("checking " + ", ".join(d.__module__.rsplit(".", 1)[-1] for d in (*EARLY_DETECTORS, *SHARED_DETECTORS)))
        reliability = minority.reliability_of([minority.backing(mine), late.first()])  # type: ignore[list-item]
        late.reply(reliability)
        for detect in here:
            if detect in AFTER_EXCHANGE:
                step(f"checking {detect.__module__.rsplit('.', 1)[-1]}")
                found[detect] = detect(cluster)
        mine_flags = minority.flags_of(cluster, minority.scored(minority.featured(mine, reliability,
                                                                                   len(cluster.docs))))
        # without a child, the early detectors run here on this cluster (they read no alignment)
        early_flags, languages = early.result() if early.pid is not None else _early_on(cluster)
        found.update(zip(EARLY_DETECTORS, early_flags, strict=True))
        found[minority.detect] = [*mine_flags, *late.result()]  # the groups' order, as detect() gives them
        found[factual.detect] = [*found.pop(factual.aligned), *found.pop(factual.unaligned)]  # as detect() orders them
    finally:
        early.cancel()
        if late is not None:
            late.cancel()
    flags = [f for detect in DETECTORS for f in found[detect]]  # in detector order, however they ran
    flags = [f for f in flags if f.confidence >= thresholds.min_confidence]
    merged = merge_flags(flags)
    return EvidenceReport(documents=docs, discrepancies=merged, consensus=_consensus(cluster, merged),
                          alignment=alignment, languages=languages)


def _run_detectors(detectors: tuple, cluster: Cluster) -> list[list[Discrepancy]]:
    return [detect(cluster) for detect in detectors]


def _cut(groups: list[Group], share: float) -> int:
    """Where to cut the groups so that about `share` of the word-alignment work (each group's renderings times
    its words: the pairwise alignments it needs) lies after the cut."""
    costs = [len(g.units) * sum(len(u.text) for u in g.units) for g in groups]
    total, before = sum(costs), 0
    for i, cost in enumerate(costs):
        if (total - before) <= share * total:
            return i
        before += cost
    return len(groups)


def _minority_part(cluster: Cluster, groups: list[Group]) -> Generator[dict[str, list[float]], dict[str, float],
                                                                       list[Discrepancy]]:
    """The word-consensus flags of some of the groups: their words' backing goes out first, the reliabilities
    of the whole cluster come back (`parallel.Dialog`)."""
    aligned = minority.aligned_groups(cluster, groups)
    reliability = yield minority.backing(aligned)
    return minority.flags_of(cluster, minority.scored(minority.featured(aligned, reliability, len(cluster.docs))))


def _early(docs: dict[str, Document], thresholds: EvidenceThresholds
           ) -> tuple[list[list[Discrepancy]], dict[str, str | None]]:
    """The early detectors' flags, and each document's language (on a cluster with no alignment yet)."""
    return _early_on(Cluster.build(docs, Alignment([], [], {}), thresholds))


def _early_on(cluster: Cluster) -> tuple[list[list[Discrepancy]], dict[str, str | None]]:
    """The early detectors' flags, and each document's language (the spelling check has just detected it)."""
    flags = _run_detectors(EARLY_DETECTORS, cluster)
    return flags, {sid: language.detect(document_text(doc)) for sid, doc in cluster.docs.items()}


def document_text(doc: Document) -> str:
    """The article's sentences (boilerplate left out), as its language is detected."""
    return " ".join(s.text for s in doc.sentences)


def _parse_all(sources: list[Source], fork: bool) -> list[Document]:
    """Every source parsed, in order; with `fork`, a child parses the second half (by size) meanwhile."""
    total, half, cut = sum(len(s.text) for s in sources), 0, len(sources)
    for i, s in enumerate(sources):
        if half * 2 >= total:
            cut = i
            break
        half += len(s.text)
    job = parallel.Job(_parse_many, sources[cut:], fork=fork)
    try:
        first = _parse_many(sources[:cut])
        return first + job.result()
    finally:
        job.cancel()


def _parse_many(sources: list[Source]) -> list[Document]:
    return [parse(s) for s in sources]


def _consensus(cluster: Cluster, flags: list[Discrepancy]) -> list[ConsensusPoint]:
    """Passages two or more sources report alike, and no flag touches."""
    flagged = SpanIndex()  # by source: linear in a long article's flags and units, not their product
    for f in flags:
        if f.kind != "spelling":
            for e in f.evidence:
                flagged.add((e.source_id,), e.start, e.end, 0)
    points: list[tuple[int, ConsensusPoint]] = []
    covered = SpanIndex()  # spans already used: a quote inside an agreed sentence
    for group in [*cluster.alignment.cross_source("sentence"), *cluster.alignment.cross_source("quote")]:
        if group.kind == "quote" and len(group.units[0].text.split()) < _CONSENSUS_MIN_QUOTE_WORDS:
            continue
        point = _point(cluster, group, flagged)
        if point is None or any(covered.any_containing((e.source_id,), e.start, e.end) for e in point.evidence):
            continue
        for e in point.evidence:
            covered.add((e.source_id,), e.start, e.end, 0)
        points.append((len(point.source_ids), point))
    points.sort(key=lambda p: -p[0])
    return [p for _, p in points]


def _point(cluster: Cluster, group: Group, flagged: SpanIndex) -> ConsensusPoint | None:
    def touched(u: Unit) -> bool:
        return flagged.first_overlap((u.doc,), u.start, u.end) is not None

    def title(u: Unit) -> bool:  # a shared title is no reported fact (wire copies, a data set's placeholder)
        return u.kind == "sentence" and cluster.docs[u.doc].sentences[u.index].role == "headline"

    rep = group.units[0]
    if title(rep):
        return None
    chosen = {rep.doc: rep}
    for u, score in zip(group.units[1:], group.scores[1:], strict=True):
        if u.doc in chosen or touched(u) or title(u):
            continue
        if group.kind == "quote" and not contained(rep.text, u.text):
            continue
        if group.kind == "sentence" and score < _CONSENSUS_MIN_SCORE:
            continue
        chosen[u.doc] = u
    if len(chosen) < 2 or touched(rep):
        return None
    spans = [evidence(cluster.docs[u.doc], u.start, u.end) for u in chosen.values()]
    text = rep.text if group.kind == "sentence" else f"{rep.speaker or 'A speaker'} said: “{rep.text}”"
    return ConsensusPoint(text=text, source_ids=sorted(chosen), evidence=spans)
