"""Adaptive concurrency for live model requests: use a fast server fully, never lose work to a slow one.

A `Pacer` holds the number of requests allowed in flight. It starts moderate and, like TCP, doubles it
while the server keeps up (answers arrive about as fast as the quickest one so far for the same prompt:
a brief request is longer than a summary, and sent while summaries are still out), then adds one per
round. It holds the limit when answers come slower than the quickest, and lowers it when they take twice
as long (a server with one slot queues what it can't serve: more requests only wait longer) and on every
429. A 429 also pauses every new request for as long as the server asks: `retry-after-ms` /
`retry-after`, else `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` ("6m0s", "1.5s", "20ms"),
else one second. Successful answers carrying `x-ratelimit-remaining-requests` and
`x-ratelimit-remaining-tokens` keep the limit below what the account has left in its window, so a
per-minute budget is spent without a 429 where the server says how much is left.

`PacedBackend` puts a live backend behind the pacer. When a request still ends in a 429 after the HTTP
client's own retries, it waits for the pause and asks again (up to `RATE_LIMIT_RETRIES` times), so a rate
limit delays a summary but does not lose it. A 429 that says the account is out of quota
(`insufficient_quota`), or that one request is larger than the whole per-minute limit ("Request too
large"), is not retried: waiting will not help.

`observe` is an httpx response hook: it sees every HTTP answer, including the 429s the openai SDK retries
by itself.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from reporter.errors import ModelError
from reporter.llm.protocol import ModelBackend, ModelRequest, ModelResponse

START = 4  # requests in flight at first: moderate for any server
CEILING = 16  # most requests in flight when the server keeps up
SLOW = 2.0  # an answer this many times slower than the fastest one means requests are queueing
KEEPING_UP = 1.3  # an answer at most this many times slower than the fastest one: the server keeps up
RATE_LIMIT_RETRIES = 6  # extra attempts after the HTTP client's own retries gave up on a 429
DEFAULT_PAUSE_S = 1.0
MAX_PAUSE_S = 120.0
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | None) -> float | None:
    """Seconds in an OpenAI reset header ('6m0s', '1.5s', '20ms', '1h2m3s') or a plain number of seconds."""
    if not text:
        return None
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        return None
    return sum(float(n) * _UNIT_S[u] for n, u in parts)


def pause_for(headers: Mapping[str, str]) -> float:
    """How long a 429 asks us to wait, from its headers."""
    if (ms := _number(headers.get("retry-after-ms"))) is not None:
        return min(MAX_PAUSE_S, ms / 1000)
    for name in ("retry-after", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"):
        if (seconds := parse_duration(headers.get(name))) is not None and seconds > 0:
            return min(MAX_PAUSE_S, seconds)
    return DEFAULT_PAUSE_S


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


class Pacer:
    """The run's concurrency limit for live requests; thread-safe."""

    def __init__(self, start: int = START, ceiling: int = CEILING, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(min(max(1, start), self.ceiling))
        self.in_flight = 0
        self.fastest: float | None = None  # quickest answer so far, seconds (of the last answer's kind)
        self._fastest: dict[str, float] = {}  # quickest answer so far per kind of request (prompt name)
        self.slow_start = True
        self.paused_until = 0.0
        self.rate_limited = 0  # 429 answers seen (the SDK's retried ones included)
        self.peak = 0  # most requests in flight at once
        self.tokens_per_request: float | None = None  # running mean of input + output tokens
        self._cap: float | None = None  # what the server's remaining-* headers allow now
        self._clock, self._sleep = clock, sleep
        self._cond = threading.Condition()

    @property
    def allowed(self) -> int:
        """Requests that may be in flight now."""
        limit = self.limit if self._cap is None else min(self.limit, self._cap)
        return max(1, int(limit))

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one request slot: wait for a free one, and for any pause a 429 asked for."""
        with self._cond:
            while True:
                wait = self.paused_until - self._clock()
                if wait <= 0 and self.in_flight < self.allowed:
                    break
                self._cond.wait(timeout=wait if wait > 0 else None)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

    def answered(self, seconds: float, tokens: int = 0, kind: str = "") -> None:
        """A successful answer took `seconds`: raise the limit while the server keeps up, else lower it.
        `kind` (the prompt name) compares it with answers to requests of its own kind only."""
        with self._cond:
            if tokens > 0:
                mean = self.tokens_per_request
                self.tokens_per_request = tokens if mean is None else 0.8 * mean + 0.2 * tokens
            self.fastest = self._fastest[kind] = min(self._fastest.get(kind, seconds), seconds)
            if seconds > SLOW * self.fastest and self.in_flight > 1:
                self.limit = max(1.0, self.limit * 0.75)  # queueing: more requests only wait longer
                self.slow_start = False
            elif seconds > KEEPING_UP * self.fastest:
                self.slow_start = False  # slower than the best: hold the limit
            elif self.in_flight >= self.allowed:  # every slot was in use and the server kept up: try more
                self.limit = min(self.ceiling, self.limit + (1.0 if self.slow_start else 1.0 / self.limit))
            self._cond.notify_all()

    def observe(self, response: Any) -> None:
        """httpx response hook: react to 429s and to the rate-limit headers of every answer."""
        headers = response.headers
        with self._cond:
            if response.status_code == 429:
                self.rate_limited += 1
                self.slow_start = False
                self.limit = max(1.0, min(self.limit, max(1, self.in_flight)) / 2)
                self.paused_until = max(self.paused_until, self._clock() + pause_for(headers))
            else:
                self._cap = self._headroom(headers)
            self._cond.notify_all()

    def _headroom(self, headers: Mapping[str, str]) -> float | None:
        """Requests the account may still start in this window, from the remaining-* headers (None: no word)."""
        caps = []
        if (requests := _number(headers.get("x-ratelimit-remaining-requests"))) is not None and requests >= 0:
            caps.append(requests)
        tokens = _number(headers.get("x-ratelimit-remaining-tokens"))
        if tokens is not None and tokens >= 0 and self.tokens_per_request:
            caps.append(tokens / self.tokens_per_request)
        if not caps:
            return None
        cap = min(caps)
        if cap < 1:  # nothing left: wait for the window to reset rather than earn a 429
            reset = max(parse_duration(headers.get("x-ratelimit-reset-requests")) or 0.0,
                        parse_duration(headers.get("x-ratelimit-reset-tokens")) or 0.0) or DEFAULT_PAUSE_S
            self.paused_until = max(self.paused_until, self._clock() + min(MAX_PAUSE_S, reset))
            return 1.0
        return cap

    def wait_out_pause(self) -> None:
        """Sleep until a pause a 429 asked for is over."""
        with self._cond:
            wait = self.paused_until - self._clock()
        if wait > 0:
            self._sleep(wait)


def is_rate_limit(exc: BaseException) -> bool:
    """A ModelError that a 429 caused, and that waiting can cure (not an exhausted quota)."""
    cause = exc.__cause__
    if getattr(cause, "status_code", None) != 429:
        return False
    body = getattr(cause, "body", None)
    code = body.get("code") if isinstance(body, dict) else None
    text = str(cause)
    # out of quota, or one request bigger than the whole per-minute limit: no wait helps
    return code != "insufficient_quota" and "insufficient_quota" not in text and "Request too large" not in text


class PacedBackend:
    """A live backend behind a `Pacer`: bounded concurrency, and a 429 delays a request instead of failing it."""

    def __init__(self, inner: ModelBackend, pacer: Pacer, retries: int = RATE_LIMIT_RETRIES) -> None:
        self.inner = inner
        self.pacer = pacer
        self.retries = retries

    def complete(self, request: ModelRequest) -> ModelResponse:
        for attempt in range(self.retries + 1):
            with self.pacer.slot():
                started = time.monotonic()
                try:
                    response = self.inner.complete(request)
                except ModelError as exc:
                    if attempt == self.retries or not is_rate_limit(exc):
                        raise
                else:
                    self.pacer.answered(time.monotonic() - started, response.input_tokens + response.output_tokens,
                                        request.prompt_name)
                    return response
            self.pacer.wait_out_pause()
        raise AssertionError("unreachable")  # pragma: no cover
