"""Per-run caps on model requests and tokens: refused before sending, usage booked after."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from reporter.errors import BudgetExceeded, ModelError
from reporter.limits import Budget, BudgetedBackend


class CountingBackend:
    """A stand-in live model that counts what reaches it and reports fixed usage."""

    def __init__(self, input_tokens: int = 100, output_tokens: int = 20) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        self.usage = (input_tokens, output_tokens)

    def complete(self, request: object) -> SimpleNamespace:
        with self._lock:
            self.calls += 1
        return SimpleNamespace(text="{}", input_tokens=self.usage[0], output_tokens=self.usage[1])


def test_request_cap_refuses_the_request_past_it_before_sending() -> None:
    inner = CountingBackend()
    backend = BudgetedBackend(inner, Budget(max_requests=2))
    backend.complete(object())
    backend.complete(object())
    with pytest.raises(BudgetExceeded, match="--max-requests 2"):
        backend.complete(object())
    assert inner.calls == 2  # the third request never reached the model
    assert isinstance(BudgetExceeded("x"), ModelError)  # so the pipeline treats it as a model-step failure


def test_token_cap_counts_reported_usage_and_the_next_estimate() -> None:
    inner = CountingBackend(input_tokens=100, output_tokens=20)
    budget = Budget(max_tokens=300)
    backend = BudgetedBackend(inner, budget, estimate_tokens=lambda request: 100)
    backend.complete(object())  # 0 + 100 <= 300; books 120
    backend.complete(object())  # 120 + 100 <= 300; books 120 -> 240
    with pytest.raises(BudgetExceeded, match="token cap"):
        backend.complete(object())  # 240 + 100 > 300
    assert (inner.calls, budget.tokens, budget.requests) == (2, 240, 2)


def test_no_caps_means_no_refusals() -> None:
    inner = CountingBackend()
    backend = BudgetedBackend(inner, Budget())
    for _ in range(50):
        backend.complete(object())
    assert inner.calls == 50


def test_zero_request_cap_sends_nothing_and_negative_caps_are_rejected() -> None:
    inner = CountingBackend()
    with pytest.raises(BudgetExceeded):
        BudgetedBackend(inner, Budget(max_requests=0)).complete(object())
    assert inner.calls == 0
    with pytest.raises(ValueError, match="--max-tokens"):
        Budget(max_tokens=-1)


def test_cap_holds_under_concurrent_requests() -> None:
    inner = CountingBackend()
    budget = Budget(max_requests=5)
    backend = BudgetedBackend(inner, budget)
    refused: list[BudgetExceeded] = []

    def ask() -> None:
        try:
            backend.complete(object())
        except BudgetExceeded as exc:
            refused.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inner.calls == 5 and len(refused) == 15
