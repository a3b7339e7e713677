"""Per-run resource bounds: caps on model requests and tokens (`--max-requests`, `--max-tokens`), and on
how much of one article the evidence engine analyses (`--max-analysed-chars`).

`Budget` is shared by every concurrent request of a run (hence the lock). `BudgetedBackend` wraps the
live model only, so cache and cassette hits cost nothing against the caps. A request that would pass a
cap is refused *before* it is sent, with `BudgetExceeded`; the pipeline records that as a problem for the
article concerned and finishes the run with what it has.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from reporter.errors import BudgetExceeded
from reporter.models import Problem, Source

if TYPE_CHECKING:
    from reporter.llm.protocol import ModelBackend, ModelRequest, ModelResponse


class Budget:
    """Counts requests and tokens of one run and refuses what would go past a cap."""

    def __init__(self, max_requests: int | None = None, max_tokens: int | None = None) -> None:
        for name, value in (("--max-requests", max_requests), ("--max-tokens", max_tokens)):
            if value is not None and value < 0:
                raise ValueError(f"{name} must be 0 or more, got {value}")
        self.max_requests = max_requests
        self.max_tokens = max_tokens
        self.requests = 0
        self.tokens = 0
        self._lock = threading.Lock()

    def reserve(self, estimated_input_tokens: int = 0) -> None:
        """Count one request about to be sent, or raise BudgetExceeded if it would pass a cap."""
        with self._lock:
            if self.max_requests is not None and self.requests + 1 > self.max_requests:
                raise BudgetExceeded(
                    f"request cap reached: {self.requests} of --max-requests {self.max_requests} used"
                )
            if self.max_tokens is not None and self.tokens + estimated_input_tokens > self.max_tokens:
                raise BudgetExceeded(
                    f"token cap reached: {self.tokens} used + about {estimated_input_tokens} needed "
                    f"> --max-tokens {self.max_tokens}"
                )
            self.requests += 1

    def spend(self, input_tokens: int, output_tokens: int) -> None:
        """Add the tokens the server reported for a request that was sent."""
        with self._lock:
            self.tokens += max(0, input_tokens) + max(0, output_tokens)


class BudgetedBackend:
    """A ModelBackend that checks the budget before each request and books its usage after."""

    def __init__(
        self,
        inner: ModelBackend,
        budget: Budget,
        estimate_tokens: Callable[[ModelRequest], int] | None = None,
    ) -> None:
        self.inner = inner
        self.budget = budget
        self.estimate_tokens = estimate_tokens

    def complete(self, request: ModelRequest) -> ModelResponse:
        """Reserve, send, then book the reported usage (failed requests still count as requests)."""
        estimate = self.estimate_tokens(request) if self.estimate_tokens else 0
        self.budget.reserve(estimate)
        response = self.inner.complete(request)
        self.budget.spend(response.input_tokens, response.output_tokens)
        return response


def bound_for_analysis(source: Source, max_chars: int) -> tuple[Source, Problem | None]:
    """The source as the engine may analyse it: cut at a line or sentence end before `max_chars`.

    The engine's cost grows faster than linearly with length, so a 10 MB page would take hours. The cut
    copy is a prefix of the original, so every offset found in it is valid in the full text, which is kept
    whole in the briefing. Returns the copy and a Problem saying how much was analysed, or the source itself.
    """
    if len(source.text) <= max_chars:
        return source, None
    cut = source.text.rfind("\n", 0, max_chars)
    if cut < max_chars * 0.8:
        cut = source.text.rfind(". ", 0, max_chars) + 1
    if cut < max_chars * 0.8:
        cut = max_chars
    problem = Problem(
        path=source.path, source_id=source.id, step="limits",
        message=f"article is {len(source.text):,} characters; only the first {cut:,} were analysed "
                f"(--max-analysed-chars {max_chars:,})",
    )
    return source.model_copy(update={"text": source.text[:cut]}), problem
