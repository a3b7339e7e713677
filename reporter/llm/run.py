"""LLM mode's entry point for the pipeline: summaries (concurrent), then the brief, all grounded."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reporter.config import Config
from reporter.errors import CassetteMiss, ModelError
from reporter.ground import Grounder
from reporter.llm.brief import brief_values, plan_materials, run_brief
from reporter.llm.client import ModelClient, request_tokens
from reporter.llm.pacing import CEILING, START, Pacer
from reporter.llm.plan import PlannedRequest, format_plan, planned, price_for
from reporter.llm.prompts import load_prompt
from reporter.llm.protocol import DEFAULT_MODEL, ModelBackend
from reporter.llm.schemas import BriefOutput, SummaryOutput
from reporter.llm.structured import StructuredCaller
from reporter.llm.summarise import (
    article_pieces,
    finish_summary,
    request_summary,
    summary_text,
    summary_values,
)
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
from reporter.tokens import count_tokens


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


class LlmRun:
    """One LLM-mode run: summary requests start at once (they need only the texts); `finish` adds the rest.

    The pipeline starts it before the evidence engine, so the analysis runs while the first requests wait
    on the network. `backend` replaces the live model (tests); `window_tokens` overrides the context window.
    """

    def __init__(self, sources: Sequence[Source], config: Config, *, backend: ModelBackend | None = None,
                 window_tokens: int | None = None, show_progress: bool = True) -> None:
        self.config = config
        self.model = config.model or DEFAULT_MODEL
        window = window_tokens or price_for(self.model).context
        self.window = window
        fixed = config.concurrency  # --concurrency N: exactly N at most, never raised
        self.pacer = Pacer(start=fixed or START, ceiling=fixed or CEILING)
        self.client = ModelClient(config, live=backend, pacer=self.pacer)
        self.caller = StructuredCaller(self.client, self.model)
        self._progress = _progress(show_progress and sys.stderr.isatty())
        self._pool = ThreadPoolExecutor(max_workers=self.pacer.ceiling)  # the pacer decides how many send
        self._closed = False
        self._progress.start()
        task = self._progress.add_task("summarising", total=len(sources))

        def one(source: Source) -> list[SummaryOutput] | ModelError:
            try:
                return request_summary(self.caller, source, window)
            except ModelError as exc:  # a CassetteMiss too: `finish_summary` re-raises it in order
                return exc
            finally:
                self._progress.advance(task)

        self._pending = {s.id: self._pool.submit(one, s) for s in sources}
        # The brief's material counts tokens: build the tokenizer (a few tenths of a second) while the summary
        # requests wait on the network, not after them. Daemon: an interrupted run does not wait for it.
        threading.Thread(target=count_tokens, args=("", self.model), name="tokenizer", daemon=True).start()
        # Hold the (CPU-bound) analysis back until the workers have loaded the live model and started
        # sending, or need none (cache, replay): otherwise the two share one core and the requests leave late.
        while not self.client.live_ready.wait(0.01):
            if all(f.done() for f in self._pending.values()):
                break

    def finish(self, sources: Sequence[Source], evidence_report: Any,
               offline_summaries: Sequence[ArticleSummary]) -> LlmResult:
        """Gather the summaries, then write the brief; never drops a source.

        A cassette miss in --replay mode propagates (strict replay); other model failures become problems.
        """
        candidates, engine_consensus = _engine_parts(evidence_report)
        offline = {s.source_id: s for s in offline_summaries}
        grounder = Grounder({s.id: s for s in sources})
        problems: list[Problem] = []
        try:
            outputs = [self._pending[s.id].result() for s in sources]
            self._stop()
            results = [finish_summary(s, offline.get(s.id) or ArticleSummary(source_id=s.id, method="extractive"),
                                      out) for s, out in zip(sources, outputs, strict=True)]
            summaries = [r[0] for r in results]
            for _, failed in results:
                problems += failed
            result = LlmResult(mode="replay" if self.config.replay else "llm", model=self.model,
                               summaries=summaries, consensus=engine_consensus, discrepancies=candidates)
            try:
                brief = run_brief(self.caller, list(sources), evidence_report, candidates, grounder, self.window,
                                  self.pacer.ceiling)
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
            self.close()
        result.problems = problems
        result.usage = self.client.usage.model_copy()
        result.prompts = dict(sorted(self.caller.prompts_used.items()))
        return result

    def _stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._progress.stop()

    def close(self) -> None:
        """Wait for requests in flight, then release the cache and write any cassette; idempotent."""
        if not self._closed:
            self._closed = True
            self._stop()
            self.client.close()


def start_llm(sources: Sequence[Source], config: Config, **kwargs: Any) -> LlmRun:
    """Start LLM mode: the summary requests leave now; call `finish` (or `close`) on the result."""
    return LlmRun(sources, config, **kwargs)


def run_llm(sources: Sequence[Source], evidence_report: Any, offline_summaries: Sequence[ArticleSummary],
            config: Config, *, backend: ModelBackend | None = None, window_tokens: int | None = None,
            show_progress: bool = True) -> LlmResult:
    """Summarise every source with the model (concurrently), then write the brief; never drops a source."""
    llm = LlmRun(sources, config, backend=backend, window_tokens=window_tokens, show_progress=show_progress)
    return llm.finish(sources, evidence_report, offline_summaries)


def plan_llm(sources: Sequence[Source], evidence_report: Any, offline_summaries: Sequence[ArticleSummary],
             config: Config, *, window_tokens: int | None = None) -> list[PlannedRequest]:
    """The requests a run would send, with token counts and estimated cost; calls nothing."""
    model = config.model or DEFAULT_MODEL
    window = window_tokens or price_for(model).context
    caller = StructuredCaller(backend=None, model=model)  # type: ignore[arg-type]  # build() only
    plan: list[PlannedRequest] = []
    summary = load_prompt("summary")
    for source in sources:
        pieces = article_pieces(summary_text(source), window, model)
        for n, piece in enumerate(pieces, 1):
            request = caller.build(summary, summary_values(source.id, piece, n, len(pieces)), SummaryOutput,
                                   source.id)
            plan.append(planned("summary", source.id, request_tokens(request), model))
    candidates, _ = _engine_parts(evidence_report)
    for material in plan_materials(list(sources), evidence_report, candidates, model, window):
        request = caller.build(load_prompt("brief"), brief_values(material), BriefOutput, None)
        plan.append(planned("brief", None, request_tokens(request), model))
    return plan


def dry_run_report(sources: Sequence[Source], evidence_report: Any, offline_summaries: Sequence[ArticleSummary],
                   config: Config) -> str:
    """The text `--dry-run` prints."""
    model = config.model or DEFAULT_MODEL
    return format_plan(plan_llm(sources, evidence_report, offline_summaries, config), model)
