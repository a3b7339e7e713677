"""The LLM brief: the model judges the engine's candidates, adds what they miss, states the consensus.

It is sent the per-article summaries and each candidate with the passages around its evidence, plus
the full text only of short articles, never every article in full. To keep that small, sources and
candidates go by short labels (S1, C1) that code maps back, a passage several candidates cite is sent
once, and single-source candidates (spelling, garbled text, boilerplate), whose titles already quote
the words concerned, are sent without passages. Everything the model quotes goes through the
grounding guard. Candidates the model rejects are kept (annotated, with lower confidence): an article
cannot talk the model into deleting a flag about another source.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from reporter.ground import Grounder
from reporter.ids import discrepancy_id
from reporter.llm.prompts import load_prompt
from reporter.llm.schemas import BriefOutput
from reporter.llm.structured import StructuredCaller
from reporter.models import (
    SEVERITY_RANK,
    ArticleSummary,
    ConsensusPoint,
    Discrepancy,
    Evidence,
    GroundingRemoval,
    Source,
    UnverifiedClaim,
)
from reporter.tokens import count_tokens

SHORT_ARTICLE_TOKENS = 250  # articles up to this size are sent in full to the brief step
PASSAGE_CHARS = 200  # at most this much context on each side of a candidate's evidence
MAX_PASSAGE_CHARS = 320  # a passage longer than this (e.g. a block of page chrome) is clipped
BRIEF_KEY_POINTS = 3  # key points per summary sent to the brief step
MAX_CANDIDATES = 30  # candidates judged by the model; the rest are kept as the engine found them
REJECTED_CONFIDENCE = 0.6  # a rejected candidate keeps this share of its confidence
CROSS_SOURCE_KINDS = {"wording_variant", "factual_conflict", "attribution_conflict"}
_BOUNDARY = re.compile(r"[.!?…]\s|\n")


def passage(text: str, start: int, end: int) -> str:
    """The sentence(s) around `text[start:end]`, at most PASSAGE_CHARS beyond it on each side, clipped."""
    lo = max(0, start - PASSAGE_CHARS)
    before = list(_BOUNDARY.finditer(text, lo, start))
    begin = before[-1].end() if before else lo
    after = _BOUNDARY.search(text, end, min(len(text), end + PASSAGE_CHARS))
    stop = max(end, after.start() + 1 if after else min(len(text), end + PASSAGE_CHARS))
    if stop - begin > MAX_PASSAGE_CHARS:
        begin, stop = max(begin, start - 80), min(stop, end + 80)
    snippet = " ".join(text[begin:stop].split())
    if len(snippet) > MAX_PASSAGE_CHARS:  # the evidence itself is long: its head and tail
        snippet = f"{snippet[:200]} … {snippet[-100:]}"
    return snippet


def judged(candidates: list[Discrepancy]) -> list[Discrepancy]:
    """The candidates put to the model: the MAX_CANDIDATES most severe and confident."""
    ranked = sorted(candidates, key=lambda d: (SEVERITY_RANK[d.severity], -d.confidence))
    return ranked[:MAX_CANDIDATES]


@dataclass
class Material:
    """The brief request's data block and the labels it uses."""

    text: str
    sources: dict[str, str]  # label -> source id
    candidates: dict[str, str]  # label -> candidate id


def build_material(sources: list[Source], summaries: list[ArticleSummary], candidates: list[Discrepancy],
                   model: str) -> Material:
    """The data block: summaries, candidates citing passages, short articles in full; with labels."""
    by_id = {s.id: s for s in sources}
    label = {s.id: f"S{n}" for n, s in enumerate(sources, 1)}
    lines = ["SUMMARIES"]
    for summary in summaries:
        source = by_id.get(summary.source_id)
        if source is None:
            continue
        # outlet and date only: the headline repeats the lead, and every token is paid for
        head = ", ".join(x for x in (summary.outlet or source.outlet, summary.date) if x)
        lines.append(f"[{label[source.id]}] {head}".rstrip())
        if summary.lead:
            lines.append(f"lead: {summary.lead}")
        lines += [f"- {point}" for point in summary.key_points[:BRIEF_KEY_POINTS]]
    passages: dict[tuple[str, str], str] = {}
    cited: list[str] = []
    cand_label: dict[str, str] = {}
    for n, cand in enumerate(judged(candidates), 1):
        cand_label[f"C{n}"] = cand.id
        refs = []
        for ev in cand.evidence:
            if ev.source_id not in by_id:
                continue
            ref = label[ev.source_id]
            if cand.kind in CROSS_SOURCE_KINDS:
                key = (ev.source_id, passage(by_id[ev.source_id].text, ev.start, ev.end))
                passages.setdefault(key, f"P{len(passages) + 1}")
                ref += f" {passages[key]}"
            refs.append(ref)
        cited.append(f"C{n} {cand.kind}: {cand.title} ({'; '.join(dict.fromkeys(refs))})")
    if cited:
        lines += ["CANDIDATES", *cited]
    if passages:
        lines += ["PASSAGES", *(f"{p} {label[sid]}: {text}" for (sid, text), p in passages.items())]
    short = [s for s in sources if count_tokens(s.text, model) <= SHORT_ARTICLE_TOKENS]
    if short:
        lines.append("SHORT ARTICLES IN FULL")
        for source in short:
            lines += [f"[{label[source.id]}]", source.text.strip()]
    return Material("\n".join(lines), {v: k for k, v in label.items()}, cand_label)


def brief_values(material: Material) -> dict[str, str]:
    """The brief prompt's variables; the delimiter derives from the material (see llm.summarise)."""
    delimiter = "MATERIAL-" + hashlib.sha256(material.text.encode("utf-8")).hexdigest()[:16].upper()
    return {"delimiter": delimiter, "material": material.text}


@dataclass
class BriefResult:
    """The brief step's grounded output."""

    event: str | None = None
    consensus: list[ConsensusPoint] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    unverified_claims: list[UnverifiedClaim] = field(default_factory=list)
    grounding_removals: list[GroundingRemoval] = field(default_factory=list)


def _overlaps(a: list[Evidence], b: list[Evidence]) -> bool:
    return any(x.source_id == y.source_id and x.start < y.end and y.start < x.end for x in a for y in b)


def apply_brief(out: BriefOutput, candidates: list[Discrepancy], grounder: Grounder,
                material: Material) -> BriefResult:
    """Merge the model's brief into the candidates; ground every quote; set ungrounded claims aside."""
    def source_of(name: str) -> str:
        return material.sources.get(name.strip().strip("[]"), name)

    result = BriefResult(event=out.event.strip() or None)
    for point in out.consensus:
        ids = [i for i in dict.fromkeys(source_of(s) for s in point.source_ids) if i in grounder.sources]
        if ids:
            result.consensus.append(ConsensusPoint(text=point.text, source_ids=ids))
    verdicts = {material.candidates.get(v.candidate_id, v.candidate_id): v for v in out.verdicts}
    flags: list[Discrepancy] = []
    for cand in candidates:
        verdict = verdicts.get(cand.id)
        if verdict is None:
            flags.append(cand)
        elif verdict.verdict == "confirmed":
            flags.append(cand.model_copy(update={
                "origin": "both",
                "explanation": f"{cand.explanation} Model check: {verdict.reason}",
            }))
        else:
            flags.append(cand.model_copy(update={
                "explanation": f"{cand.explanation} Model check (rejected): {verdict.reason}",
                "confidence": round(cand.confidence * REJECTED_CONFIDENCE, 3),
            }))
    for new in out.new_discrepancies:
        kept, removed = grounder.ground(((source_of(e.source_id), e.text) for e in new.evidence), new.title)
        result.grounding_removals += removed
        if not kept:
            result.unverified_claims.append(UnverifiedClaim(
                kind=new.kind, title=new.title, explanation=new.explanation,
                removed_evidence=[e.text for e in new.evidence]))
            continue
        same = next((i for i, f in enumerate(flags) if f.kind == new.kind and _overlaps(f.evidence, kept)), None)
        if same is not None:
            flags[same] = flags[same].model_copy(update={"origin": "both"})
            continue
        new_id = discrepancy_id(new.kind, kept)
        if any(f.id == new_id for f in flags):
            continue  # the model said the same thing twice
        flags.append(Discrepancy(
            id=new_id, kind=new.kind, severity=new.severity, title=new.title,
            explanation=new.explanation, evidence=kept, suggestion=new.suggestion,
            confidence=min(1.0, max(0.0, new.confidence)), origin="llm",
        ))
    result.discrepancies = flags
    return result


def run_brief(caller: StructuredCaller, sources: list[Source], summaries: list[ArticleSummary],
              candidates: list[Discrepancy], grounder: Grounder) -> BriefResult:
    """Ask for the brief and ground it; ModelError propagates to the caller, which keeps the candidates."""
    material = build_material(sources, summaries, candidates, caller.model)
    out, _ = caller.ask(load_prompt("brief"), brief_values(material), BriefOutput)
    return apply_brief(out, candidates, grounder, material)
