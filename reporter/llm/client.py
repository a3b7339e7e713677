"""The one way reporter asks a model: replay (cassette) -> cache -> record (cassette) -> live.

Every layer speaks `ModelBackend`. Replay answers from a cassette and fails on a miss naming the
prompt and source; otherwise the SQLite cache answers repeats; what reaches the live model is first
checked against the run's caps (`reporter.limits.Budget`) and the model's context window: a request
that would not fit with room for the answer is refused before it is sent (`ContextWindowExceeded`).
Recording keeps every answer of the run, cached ones included, so a recorded cassette always replays
the whole run.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import urlsplit

from reporter.config import Config
from reporter.errors import ContextWindowExceeded, ModelError
from reporter.limits import Budget, BudgetedBackend
from reporter.llm.cache import open_cache
from reporter.llm.pacing import PacedBackend, Pacer
from reporter.llm.protocol import ModelBackend, ModelRequest, ModelResponse
from reporter.models import Usage
from reporter.tokens import count_tokens


def request_tokens(request: ModelRequest) -> int:
    """Tokens the request sends: every message plus the JSON schema, counted with tiktoken."""
    text = "\n".join(m.content for m in request.messages)
    if request.json_schema is not None and request.params.get("response_format") in ("json_schema", "tools"):
        text += json.dumps(request.json_schema, separators=(",", ":"))
    # A few tokens of chat framing per message, as OpenAI's own counting recipe adds.
    return count_tokens(text, request.model) + 4 * len(request.messages)


def answer_reserve(window_tokens: int) -> int:
    """Tokens planners keep free in the window for the answer when they split articles and the brief."""
    return min(4096, window_tokens // 4)


def answer_floor(window_tokens: int) -> int:
    """The least room for the answer a request may leave; below it the request is not sent. Smaller than
    `answer_reserve`, so a planner's estimate a few tokens off does not cost a request."""
    return min(1024, window_tokens // 8)


def request_bytes(request: ModelRequest) -> int:
    """UTF-8 size of what `request_tokens` counts: an upper bound of its token count."""
    size = sum(len(m.content.encode("utf-8")) for m in request.messages)
    if request.json_schema is not None and request.params.get("response_format") in ("json_schema", "tools"):
        size += len(json.dumps(request.json_schema, separators=(",", ":")).encode("utf-8"))
    return size


def check_window(request: ModelRequest, window_tokens: int | None) -> None:
    """ContextWindowExceeded if the request leaves too little room for the answer.

    A token is at least one byte, so a request whose UTF-8 size fits is let through without the tokenizer.
    """
    if window_tokens is None:
        return
    room = window_tokens - answer_floor(window_tokens)
    if request_bytes(request) + 4 * len(request.messages) <= room:
        return
    tokens = request_tokens(request)
    if tokens > room:
        where = f"prompt {request.prompt_name}" + (f" for {request.source_id}" if request.source_id else "")
        raise ContextWindowExceeded(
            f"{where}: not sent: {tokens} tokens + {answer_floor(window_tokens)} kept for the answer exceed "
            f"the context window of {request.model} ({window_tokens} tokens); set --context-window if the "
            "server's window is larger, or use a model with a larger one")


def _cassette() -> Any:
    """The Cassette class, imported only when recording or replaying."""
    from reporter.llm.cassette import Cassette

    return Cassette


class ModelClient:
    """Layered model access for one run; thread-safe; keeps the run's usage."""

    def __init__(self, config: Config, live: ModelBackend | None = None, window_tokens: int | None = None,
                 pacer: Pacer | None = None) -> None:
        self.config = config
        self.pacer = pacer  # live requests wait for a slot; a 429 delays a request instead of failing it
        self.window_tokens = window_tokens  # requests that don't fit are never sent
        self.usage = Usage()
        self._lock = threading.Lock()
        self._live = live
        self._log: Any = None
        self._budgeted: ModelBackend | None = None
        self.live_ready = threading.Event()  # set once the live model is loaded (LangChain imported)
        self.budget = Budget(config.limits.max_requests, config.limits.max_tokens)
        self.replay = _cassette().load(config.replay) if config.replay else None
        self.cache = open_cache(config.cache_dir) if config.use_cache and self.replay is None else None
        self.recorder = None
        if config.record and self.replay is None:
            secret = config.api_key.get_secret_value() if config.api_key else None
            host = urlsplit(config.base_url).hostname if config.base_url else "api.openai.com"
            self.recorder = _cassette().new("recorded", model=config.model, endpoint_host=host,
                                         secrets=[secret] if secret else [])

    def _live_backend(self) -> ModelBackend:
        with self._lock:
            if self._budgeted is None:
                if self._live is None:
                    from reporter.llm.calllog import CallLog
                    from reporter.llm.live import LiveBackend

                    self._log = CallLog() if self.config.call_log else None
                    self._live = LiveBackend(self.config, log=self._log,
                                             on_response=self.pacer.observe if self.pacer else None)
                # Counting needs the tokenizer (built in a few tenths of a second): only when a token cap is set.
                estimate = request_tokens if self.budget.max_tokens is not None else None
                inner = self._live if self.pacer is None else PacedBackend(self._live, self.pacer)
                self._budgeted = BudgetedBackend(inner, self.budget, estimate)
                self.live_ready.set()
            return self._budgeted

    def complete(self, request: ModelRequest) -> ModelResponse:
        """Answer one request from the first layer that can."""
        if self.replay is not None:
            response = self.replay.require(request)
            self._book(response, counted=True)
            return response
        response = self.cache.get(request) if self.cache is not None else None
        if response is not None:
            with self._lock:
                self.usage.cached += 1
        else:
            try:
                check_window(request, self.window_tokens)
                response = self._live_backend().complete(request)
            except ModelError as exc:
                if self.recorder is not None and self.config.record is not None:
                    with self._lock:  # replaying the cassette fails this step the same way
                        self.recorder.add_failure(request, exc)
                raise
            self._book(response, counted=True, sent=True)
            if self.cache is not None and response.finish_reason not in ("length", "refusal"):
                self.cache.put(request, response)
        if self.recorder is not None and self.config.record is not None:
            with self._lock:
                self.recorder.add(request, response)
                self.recorder.checkpoint(self.config.record)
        return response

    def forget(self, request: ModelRequest) -> None:
        """Remove a cached answer that proved unusable, so a re-run asks the model again."""
        if self.cache is not None:
            self.cache.forget(request)

    def _book(self, response: ModelResponse, counted: bool, sent: bool = False) -> None:
        with self._lock:
            if counted:
                self.usage.input_tokens += response.input_tokens
                self.usage.output_tokens += response.output_tokens
            if sent:
                self.usage.requests += 1

    def close(self) -> None:
        """Write the whole cassette when recording; release the cache."""
        if self.recorder is not None and self.config.record is not None and len(self.recorder):
            with self._lock:
                self.recorder.save(self.config.record)
        if self.cache is not None:
            self.cache.close()
        if self._log is not None:
            self._log.close()
