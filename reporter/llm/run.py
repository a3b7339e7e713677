"""LLM mode's entry point for the pipeline: summaries (concurrent), then the brief, all grounded."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reporter.config import Config
from reporter.errors import CassetteMiss, ModelError, ModelUnavailable
from reporter.ground import Grounder
from reporter.llm.client import ModelClient, answer_floor, request_tokens
from reporter.llm.connect import Connection, connect
from reporter.llm.pacing import CEILING, START, Pacer
from reporter.llm.plan import PlannedRequest, format_plan, planned
from reporter.llm.prompts import load_prompt
from reporter.llm.protocol import ModelBackend
from reporter.llm.schemas import BriefOutput, SummaryOutput
from reporter.llm.server import is_local
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
from reporter.tokens import count_tokens, counting_note

if TYPE_CHECKING:
    from reporter.llm.brief import BriefResult


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
    on the network, and calls `start_brief` as soon as the analysis is done: the brief requests need it,
    not the summaries, so they leave while the last summaries are still out. `backend` replaces the live
    model (tests); `window_tokens` overrides the context window; `connection` is one already resolved.
    """

    def __init__(self, sources: Sequence[Source], config: Config, *, backend: ModelBackend | None = None,
                 window_tokens: int | None = None, show_progress: bool = True,
                 connection: Connection | None = None) -> None:
        fixed = config.concurrency  # --concurrency N: exactly N at most, never raised
        self.pacer = Pacer(start=fixed or START, ceiling=fixed or CEILING)
        self.client = ModelClient(config, live=backend, pacer=self.pacer)
        # Model name, window, parameters and output mode: from the flags, the server, earlier runs, the cassette.
        conn = connection if connection is not None and self.client.replay is None else connect(
            config, window_tokens=window_tokens, cassette=self.client.replay, ask_server=backend is None)
        self.connection = conn
        self.config = config = config.model_copy(update={"model": conn.model})
        self.client.config = config
        self.client.window_tokens = conn.window
        if self.client.recorder is not None:  # a replay must split articles and brief as this run does
            self.client.recorder.header.context_window = conn.window
        window = self.window = conn.window
        self.model = conn.model
        self.caller = StructuredCaller(self.client, self.model, params=conn.params, mode=conn.mode,
                                       on_learn=conn.learn, on_window=self._learn_window)
        self._progress = _progress(show_progress and sys.stderr.isatty())
        self._pool = ThreadPoolExecutor(max_workers=self.pacer.ceiling)  # the pacer decides how many send
        self._brief: Future[BriefResult] | None = None
        self._brief_pool: ThreadPoolExecutor | None = None
        self._problems: list[Problem] | None = None  # set by `finish`
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
        # Hold the (CPU-bound) analysis back until the workers have loaded the live model and started
        # sending, or need none (cache, replay): otherwise the two share one core and the requests leave late.
        while not self.client.live_ready.wait(0.01):
            if all(f.done() for f in self._pending.values()):
                break
        # The brief's material counts tokens: build the tokenizer (a few tenths of a second) while the summary
        # requests wait on the network, not after them, nor before the first one leaves (it would compete with
        # loading the model client). Daemon: an interrupted run does not wait for it.
        threading.Thread(target=count_tokens, args=("", self.model), name="tokenizer", daemon=True).start()

    def _learn_window(self, limit: int) -> None:
        """A server refused a request as too long, naming its window: never send more over it; remember it."""
        self.connection.learn_window(limit)
        self.client.window_tokens = min(self.client.window_tokens or limit, limit)

    def start_brief(self, sources: Sequence[Source], evidence_report: Any) -> None:
        """Send the brief requests now (in the background); `finish` gathers them with the summaries."""
        if self._brief is not None:
            return
        from reporter.llm.brief import run_brief  # the brief's material reads the engine's sentences

        candidates, _ = _engine_parts(evidence_report)
        grounder = Grounder({s.id: s for s in sources})
        self._brief_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="brief")
        self._brief = self._brief_pool.submit(run_brief, self.caller, list(sources), evidence_report, candidates,
                                              grounder, self.window, self.pacer.ceiling)

    def finish(self, sources: Sequence[Source], evidence_report: Any,
               offline_summaries: Sequence[ArticleSummary]) -> LlmResult:
        """Gather the summaries, then the brief (sent now unless `start_brief` sent it); never drops a source.

        A cassette miss in --replay mode propagates (strict replay); other model failures become problems.
        """
        candidates, engine_consensus = _engine_parts(evidence_report)
        offline = {s.source_id: s for s in offline_summaries}
        problems: list[Problem] = []
        try:
            outputs = [self._pending[s.id].result() for s in sources]
            self._stop()
            results = [finish_summary(s, offline.get(s.id) or ArticleSummary(source_id=s.id, method="extractive"),
                                      out) for s, out in zip(sources, outputs, strict=True)]
            summaries = [r[0] for r in results]
            summary_removals: list[GroundingRemoval] = []
            for _, failed, removed in results:
                problems += failed
                summary_removals += removed
            result = LlmResult(mode="replay" if self.config.replay else "llm", model=self.model,
                               summaries=summaries, consensus=engine_consensus, discrepancies=candidates,
                               grounding_removals=list(summary_removals))
            self.start_brief(sources, evidence_report)
            assert self._brief is not None
            try:
                brief = self._brief.result()
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
                result.grounding_removals = summary_removals + brief.grounding_removals
        finally:
            self.close()
        result.problems = self._problems = _one_problem_for_an_unusable_model(problems, self.caller.fatal)
        result.usage = self.client.usage.model_copy()
        result.prompts = dict(sorted(self.caller.prompts_used.items()))
        return result

    def final_state(self) -> tuple[str, int | None, dict[str, Any], str] | None:
        """(model, window, parameters, output mode) the run ended with, which the next run starts from, if a
        re-run would make the same briefing from the response cache: no model step failed, and nothing was
        learned after the first request settled the mode (requests before and after it would differ)."""
        if self._problems is None or self._problems or self.caller.relearned or self.config.replay:
            return None
        return self.model, self.client.window_tokens, dict(self.caller.params), self.caller.mode

    def _stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._progress.stop()

    def close(self) -> None:
        """Wait for requests in flight, then release the cache and write any cassette; idempotent."""
        if not self._closed:
            self._closed = True
            self._stop()
            if self._brief_pool is not None:
                self._brief_pool.shutdown(wait=True, cancel_futures=True)
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
    return _plan(sources, evidence_report, offline_summaries, config, window_tokens)[0]


def _plan(sources: Sequence[Source], evidence_report: Any, offline_summaries: Sequence[ArticleSummary],
          config: Config, window_tokens: int | None) -> tuple[list[PlannedRequest], Any]:
    conn = connect(config, window_tokens=window_tokens, ask_server=False)
    model, window, local = conn.model, conn.window, is_local(conn.base_url)
    caller = StructuredCaller(backend=None, model=model, params=conn.params,  # type: ignore[arg-type]
                              mode=conn.mode)  # build() only
    plan: list[PlannedRequest] = []
    summary = load_prompt("summary")
    for source in sources:
        pieces = article_pieces(summary_text(source), window, model)
        for n, piece in enumerate(pieces, 1):
            request = caller.build(summary, summary_values(source.id, piece, n, len(pieces)), SummaryOutput,
                                   source.id)
            plan.append(planned("summary", source.id, request_tokens(request), model, local))
    from reporter.llm.brief import brief_values, plan_materials

    candidates, _ = _engine_parts(evidence_report)
    for material in plan_materials(list(sources), evidence_report, candidates, model, window):
        request = caller.build(load_prompt("brief"), brief_values(material), BriefOutput, None)
        plan.append(planned("brief", None, request_tokens(request), model, local))
    return plan, conn


def dry_run_report(sources: Sequence[Source], evidence_report: Any, offline_summaries: Sequence[ArticleSummary],
                   config: Config) -> str:
    """The text `--dry-run` prints: the plan, the context window, and a warning per request over it."""
    plan, conn = _plan(sources, evidence_report, offline_summaries, config, None)
    reserve = answer_floor(conn.window)
    lines = [format_plan(plan, conn.model, is_local(conn.base_url)), counting_note(conn.model),
             f"Context window: {conn.window} tokens ({conn.window_source}); {reserve} kept for each answer."]
    for p in plan:
        if p.input_tokens + reserve > conn.window:
            what = f"{p.prompt} request" + (f" for {p.source_id}" if p.source_id else "")
            lines.append(f"warning: {what}: {p.input_tokens} tokens + {reserve} for the answer exceed the "
                         f"context window ({conn.window}); it would not be sent (set --context-window if the "
                         "server's window is larger)")
    return "\n".join(lines)


def _one_problem_for_an_unusable_model(problems: list[Problem], fatal: ModelError | None) -> list[Problem]:
    """A refused key or an unknown model fails every request the same way: say so once, not per article."""
    if not isinstance(fatal, ModelUnavailable):
        return problems
    text = str(fatal)
    rest = [p for p in problems if not p.message.startswith(text)]
    return [Problem(step="model", message=f"{text}; no model request was answered, so this briefing is the "
                    "evidence engine's alone"), *rest]
