"""The LLM brief: the model judges the engine's candidates, adds what they miss, states the consensus.

What it is shown is laid out in `reporter.llm.material`: every article in full with numbered
sentences, the engine's alignment and its candidates, in one request when the cluster fits the
context budget, else in parts (map) whose answers are merged here (reduce): verdicts per candidate,
new flags merged where their evidence overlaps, consensus points deduplicated, the first event line.

Everything the model quotes goes through the grounding guard (`reporter.ground`); a quote that fails
is re-asked once, in a small request carrying only the failing quote and the sentence it cites.

Origin is honest: a flag is `both` only when the model confirms an engine candidate. A flag the model
raises that repeats a candidate, or one of its own flags (two parts, two list entries), is merged into
it and promotes nothing. Candidates the model rejects are kept (annotated, with lower confidence): an
article cannot talk the model into deleting a flag about another source.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from reporter.errors import CassetteMiss, ModelError
from reporter.ground import Grounder, Quoted
from reporter.ids import discrepancy_id
from reporter.llm.material import Material, build_materials
from reporter.llm.prompts import load_prompt
from reporter.llm.schemas import BriefOutput, RequoteOutput, json_schema_for
from reporter.llm.structured import StructuredCaller
from reporter.models import (
    ConsensusPoint,
    Discrepancy,
    Evidence,
    GroundingRemoval,
    Source,
    UnverifiedClaim,
)
from reporter.tokens import count_tokens

REJECTED_CONFIDENCE = 0.6  # a rejected candidate keeps this share of its confidence
MAX_REQUOTES = 30  # failing quotes re-asked at most (one request)
MAX_ANSWER_RESERVE = 8192  # tokens kept free in the window for the brief's answer


def brief_values(material: Material) -> dict[str, str]:
    """The brief prompt's variables; the delimiter derives from the material (see llm.summarise)."""
    delimiter = "MATERIAL-" + hashlib.sha256(material.text.encode("utf-8")).hexdigest()[:16].upper()
    return {"delimiter": delimiter, "material": material.text}


def material_budget(window_tokens: int | None, model: str, count: Callable[[str, str | None], int] = count_tokens
                    ) -> int | None:
    """Tokens the material of one brief request may take: the window less instructions, schema, answer.

    With `count` = UTF-8 length (a token is at least one byte) it is a lower bound, found without the tokenizer.
    """
    if not window_tokens:
        return None
    prompt = load_prompt("brief").render(delimiter="MATERIAL-0123456789ABCDEF", material="", schema_note="")
    overhead = sum(count(m.content, model) + 4 for m in prompt)
    schema = count(json.dumps(json_schema_for(BriefOutput), separators=(",", ":")), model)
    reserve = min(MAX_ANSWER_RESERVE, window_tokens // 4)
    return max(512, window_tokens - overhead - schema - reserve)


def plan_materials(sources: list[Source], report: object, candidates: list[Discrepancy], model: str,
                   window_tokens: int | None) -> list[Material]:
    """The material of every brief request (one, or the parts of a cluster too big for the window)."""
    if window_tokens:  # the whole material surely fits (counted in bytes): no tokenizer needed
        whole = build_materials(sources, report, candidates, model, None)
        if len(whole[0].text.encode("utf-8")) <= (material_budget(window_tokens, model, _utf8_length) or 0):
            return whole
    return build_materials(sources, report, candidates, model, material_budget(window_tokens, model))


def _utf8_length(text: str, _model: str | None) -> int:
    return len(text.encode("utf-8"))


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


def _label(name: str) -> str:
    return name.strip().strip("[]").split(".")[0].strip()


@dataclass
class _Pending:
    """A model flag whose quotes are being grounded."""

    out: object  # NewDiscrepancyOut
    quotes: list[Quoted]
    kept: list[Evidence] = field(default_factory=list)
    failed: list[Quoted] = field(default_factory=list)


def _requote(caller: StructuredCaller | None, grounder: Grounder, pending: list[_Pending]) -> None:
    """Re-ask once about quotes that failed, each with the sentence it cites; ground the answers there."""
    asked: list[tuple[_Pending, Quoted, tuple[int, int]]] = []
    for item in pending:
        for q in item.failed:
            span = grounder.sentence_span(q.source_id, q.sentence) or grounder.best_sentence(q.source_id, q.text)
            if span is not None and len(asked) < MAX_REQUOTES:
                asked.append((item, q, span))
    if caller is None or not asked:
        return
    lines = []
    for n, (_, q, (start, end)) in enumerate(asked, 1):
        sentence = " ".join(grounder.sources[q.source_id].text[start:end].split())
        lines += [f"Q{n}", f"quote: {' '.join(q.text.split())}", f"sentence: {sentence}"]
    items = "\n".join(lines)
    delimiter = "QUOTES-" + hashlib.sha256(items.encode("utf-8")).hexdigest()[:16].upper()
    try:
        out, _ = caller.ask(load_prompt("requote"), {"delimiter": delimiter, "items": items}, RequoteOutput)
    except CassetteMiss:
        raise
    except ModelError:
        return  # the quotes stay removed, as they would without the re-ask
    answers = {a.id.strip(): a.text for a in out.quotes}
    for n, (item, q, (start, end)) in enumerate(asked, 1):
        text = answers.get(f"Q{n}")
        found = grounder.locate(q.source_id, text, q.sentence) if text else None
        if found is not None and start <= found.start and found.end <= end:  # only inside the cited sentence
            item.failed.remove(q)
            if found not in item.kept:
                item.kept.append(found)


def apply_brief(outputs: list[tuple[BriefOutput, Material]], candidates: list[Discrepancy], grounder: Grounder,
                caller: StructuredCaller | None = None) -> BriefResult:
    """Merge the model's brief (one answer per part) into the candidates; ground every quote.

    `caller` re-asks about failing quotes; without it they are removed at once.
    """
    result = BriefResult(event=next((o.event.strip() for o, _ in outputs if o.event.strip()), None))
    verdicts = {}
    seen_points: set[tuple[str, tuple[str, ...]]] = set()
    pending: list[_Pending] = []
    for out, mat in outputs:
        def source_of(name: str, mat: Material = mat) -> str:
            return mat.sources.get(_label(name), name)

        for point in out.consensus:
            ids = [i for i in dict.fromkeys(source_of(s) for s in point.source_ids) if i in grounder.sources]
            key = (" ".join(point.text.lower().split()), tuple(sorted(ids)))
            if ids and key not in seen_points:
                seen_points.add(key)
                result.consensus.append(ConsensusPoint(text=point.text, source_ids=ids))
        for v in out.verdicts:
            verdicts.setdefault(mat.candidates.get(v.candidate_id.strip(), v.candidate_id), v)
        for new in out.new_discrepancies:
            quotes = [Quoted(source_of(e.source_id), e.text, e.sentence) for e in new.evidence]
            item = _Pending(new, quotes)
            named = [q.source_id for q in quotes]
            for q in quotes:
                found = grounder.resolve(q.source_id, q.text, q.sentence, others=named)
                if found is None:
                    item.failed.append(q)
                else:
                    item.kept += [e for e in found[0] if e not in item.kept]
            pending.append(item)
    _requote(caller, grounder, pending)

    flags: list[Discrepancy] = []
    for cand in candidates:
        verdict = verdicts.get(cand.id)
        if verdict is None:
            flags.append(cand)
        elif verdict.verdict == "confirmed":
            flags.append(cand.model_copy(update={
                "origin": "both", "explanation": f"{cand.explanation} Model check: {verdict.reason}"}))
        else:
            flags.append(cand.model_copy(update={
                "explanation": f"{cand.explanation} Model check (rejected): {verdict.reason}",
                "confidence": round(cand.confidence * REJECTED_CONFIDENCE, 3)}))
    engine = len(flags)
    for item in pending:
        new = item.out
        result.grounding_removals += [GroundingRemoval(source_id=q.source_id, text=q.text,
                                                       discrepancy_title=new.title) for q in item.failed]
        order = {sid: n for n, sid in reversed(list(enumerate(q.source_id for q in item.quotes)))}
        kept = sorted(item.kept, key=lambda e: order.get(e.source_id, len(order)))  # re-asked ones in place
        if not kept:
            result.unverified_claims.append(UnverifiedClaim(
                kind=new.kind, title=new.title, explanation=new.explanation,
                removed_evidence=[q.text for q in item.quotes]))
            continue
        same = next((i for i, f in enumerate(flags) if f.kind == new.kind and _overlaps(f.evidence, kept)), None)
        if same is not None:
            if same >= engine:  # the model's own flag again (another part, another entry): one flag, more evidence
                extra = [e for e in kept if not _overlaps(flags[same].evidence, [e])]
                flags[same] = flags[same].model_copy(update={"evidence": [*flags[same].evidence, *extra]})
            continue  # a candidate repeated as a new flag: the verdict, not the repeat, says if they agree
        new_id = discrepancy_id(new.kind, kept)
        if any(f.id == new_id for f in flags):
            continue
        flags.append(Discrepancy(
            id=new_id, kind=new.kind, severity=new.severity, title=new.title,
            explanation=new.explanation, evidence=kept, suggestion=new.suggestion,
            confidence=min(1.0, max(0.0, new.confidence)), origin="llm",
        ))
    result.discrepancies = flags
    return result


def run_brief(caller: StructuredCaller, sources: list[Source], report: object, candidates: list[Discrepancy],
              grounder: Grounder, window_tokens: int | None = None, concurrency: int = 4) -> BriefResult:
    """Ask for the brief (in parts if needed) and ground it; ModelError propagates (the caller keeps the
    candidates)."""
    materials = plan_materials(sources, report, candidates, caller.model, window_tokens)
    grounder.sentences.update(materials[0].sentences)  # the numbers the model was shown
    prompt = load_prompt("brief")

    def ask(material: Material) -> tuple[BriefOutput, Material]:
        return caller.ask(prompt, brief_values(material), BriefOutput)[0], material

    if len(materials) == 1:
        outputs = [ask(materials[0])]
    else:
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(materials)))) as pool:
            outputs = list(pool.map(ask, materials))
    return apply_brief(outputs, candidates, grounder, caller=caller)
