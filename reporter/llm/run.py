"""LLM mode's entry point for the pipeline: summaries (concurrent), then the brief, all grounded."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reporter.config import Config
from reporter.errors import CassetteMiss, ModelError
from reporter.ground import Grounder
from reporter.llm.brief import brief_values, build_material, run_brief
from reporter.llm.client import ModelClient, request_tokens
from reporter.llm.live import DEFAULT_MODEL
from reporter.llm.plan import PlannedRequest, format_plan, planned, price_for
from reporter.llm.prompts import load_prompt
from reporter.llm.protocol import ModelBackend
from reporter.llm.schemas import BriefOutput, SummaryOutput
from reporter.llm.structured import StructuredCaller
from reporter.llm.summarise import part_budget, split_text, summarise_source, summary_values
from reporter.models import (
    SEVERITY_RANK,
    ArticleSummary,
    ConsensusPoint,
    Discrepancy,
    GroundingRemoval,
    Problem,
    RunMode,
    Source,
    UnverifiedClaim,
    Usage,
)


@dataclass
class LlmResult:
    """Everything LLM mode adds to a briefing."""

    mode: RunMode
    model: str
    summaries: list[ArticleSummary]
    consensus: list[ConsensusPoint]
    discrepancies: list[Discrepancy]
    event: str | None = None
    unverified_claims: list[UnverifiedClaim] = field(default_factory=list)
    grounding_removals: list[GroundingRemoval] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    prompts: dict[str, str] = field(default_factory=dict)


def _engine_parts(evidence_report: Any) -> tuple[list[Discrepancy], list[ConsensusPoint]]:
    """The evidence engine's candidates and consensus (any object with those attributes, or None)."""
    return (list(getattr(evidence_report, "discrepancies", None) or []),
            list(getattr(evidence_report, "consensus", None) or []))


def _progress(enabled: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=Console(stderr=True), transient=True, disable=not enabled)


def run_llm(sources: Sequence[Source], evidence_report: Any, offline_summaries: Sequence[ArticleSummary],
            config: Config, *, backend: ModelBackend | None = None, window_tokens: int | None = None,
            show_progress: bool = True) -> LlmResult:
    """Summarise every source with the model (concurrently), then write the brief; never drops a source.

    `backend` replaces the live model (tests); `window_tokens` overrides the model's context window.
    A cassette miss in --replay mode propagates (strict replay); other model failures become problems.
    """
    model = config.model or DEFAULT_MODEL
    window = window_tokens or price_for(model).context
    candidates, engine_consensus = _engine_parts(evidence_report)
    offline = {s.source_id: s for s in offline_summaries}
    grounder = Grounder({s.id: s for s in sources})
    client = ModelClient(config, live=backend)
    caller = StructuredCaller(client, model)
    problems: list[Problem] = []
    try:
        with _progress(show_progress and sys.stderr.isatty()) as progress, \
                ThreadPoolExecutor(max_workers=config.concurrency) as pool:
            task = progress.add_task("summarising", total=len(sources))

            def one(source: Source) -> tuple[ArticleSummary, list[Problem]]:
                fallback = offline.get(source.id) or ArticleSummary(source_id=source.id, method="extractive")
                try:
                    return summarise_source(caller, source, fallback, window)
                finally:
                    progress.advance(task)

            results = list(pool.map(one, sources))
        summaries = [r[0] for r in results]
        for _, failed in results:
            problems += failed
        result = LlmResult(mode="replay" if config.replay else "llm", model=model, summaries=summaries,
                           consensus=engine_consensus, discrepancies=candidates)
        try:
            brief = run_brief(caller, list(sources), summaries, candidates, grounder)
        except CassetteMiss:
            raise
        except ModelError as exc:
            problems.append(Problem(step="brief", message=f"{exc}; the evidence engine's flags are kept"))
        else:
            result.event = brief.event
            result.consensus = brief.consensus or engine_consensus
            # Most severe first, then most confident; stable, so the engine's order breaks ties.
            result.discrepancies = sorted(brief.discrepancies,
                                          key=lambda d: (SEVERITY_RANK[d.severity], -d.confidence))
            result.unverified_claims = brief.unverified_claims
            result.grounding_removals = brief.grounding_removals
    finally:
        client.close()
    result.problems = problems
    result.usage = client.usage.model_copy()
    result.prompts = dict(sorted(caller.prompts_used.items()))
    return result


def plan_llm(sources: Sequence[Source], evidence_report: Any, offline_summaries: Sequence[ArticleSummary],
             config: Config, *, window_tokens: int | None = None) -> list[PlannedRequest]:
    """The requests a run would send, with token counts and estimated cost; calls nothing."""
    model = config.model or DEFAULT_MODEL
    window = window_tokens or price_for(model).context
    caller = StructuredCaller(backend=None, model=model)  # type: ignore[arg-type]  # build() only
    plan: list[PlannedRequest] = []
    summary = load_prompt("summary")
    for source in sources:
        pieces = split_text(source.text, part_budget(window, model), model)
        for n, piece in enumerate(pieces, 1):
            request = caller.build(summary, summary_values(source.id, piece, n, len(pieces)), SummaryOutput,
                                   source.id)
            plan.append(planned("summary", source.id, request_tokens(request), model))
    candidates, _ = _engine_parts(evidence_report)
    material = build_material(list(sources), list(offline_summaries), candidates, model)
    request = caller.build(load_prompt("brief"), brief_values(material), BriefOutput, None)
    plan.append(planned("brief", None, request_tokens(request), model))
    return plan


def dry_run_report(sources: Sequence[Source], evidence_report: Any, offline_summaries: Sequence[ArticleSummary],
                   config: Config) -> str:
    """The text `--dry-run` prints."""
    model = config.model or DEFAULT_MODEL
    return format_plan(plan_llm(sources, evidence_report, offline_summaries, config), model)


def warm_up(config: Config) -> None:
    """Load LangChain, the openai SDK and the tokenizer; the pipeline runs this in a thread during analysis."""
    from reporter.llm import live  # noqa: F401  - the import itself is the work
    from reporter.tokens import count_tokens

    count_tokens("", config.model or DEFAULT_MODEL)
