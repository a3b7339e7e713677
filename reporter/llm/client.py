"""The one way reporter asks a model: replay (cassette) -> cache -> record (cassette) -> live.

Every layer speaks `ModelBackend`. Replay answers from a cassette and fails on a miss naming the
prompt and source; otherwise the SQLite cache answers repeats; what reaches the live model is first
checked against the run's caps (`reporter.limits.Budget`). Recording keeps every answer of the run,
cached ones included, so a recorded cassette always replays the whole run.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import urlsplit

from reporter.config import Config
from reporter.limits import Budget, BudgetedBackend
from reporter.llm.cache import open_cache
from reporter.llm.pacing import PacedBackend, Pacer
from reporter.llm.protocol import ModelBackend, ModelRequest, ModelResponse
from reporter.models import Usage
from reporter.tokens import count_tokens


def request_tokens(request: ModelRequest) -> int:
    """Tokens the request sends: every message plus the JSON schema, counted with tiktoken."""
    text = "\n".join(m.content for m in request.messages)
    if request.json_schema is not None and request.params.get("response_format") == "json_schema":
        text += json.dumps(request.json_schema, separators=(",", ":"))
    # A few tokens of chat framing per message, as OpenAI's own counting recipe adds.
    return count_tokens(text, request.model) + 4 * len(request.messages)


def _cassette() -> Any:
    """The Cassette class, imported only when recording or replaying."""
    from reporter.llm.cassette import Cassette

    return Cassette


class ModelClient:
    """Layered model access for one run; thread-safe; keeps the run's usage."""

    def __init__(self, config: Config, live: ModelBackend | None = None, pacer: Pacer | None = None) -> None:
        self.config = config
        self.usage = Usage()
        self._lock = threading.Lock()
        self._live = live
        self.pacer = pacer  # live requests wait for a slot; a 429 delays a request instead of failing it
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
                    from reporter.llm.live import LiveBackend

                    self._live = LiveBackend(self.config, on_response=self.pacer.observe if self.pacer else None)
                # Counting needs the tokenizer (built in a few tenths of a second): only when a token cap is set.
                estimate = request_tokens if self.budget.max_tokens is not None else None
                inner = self._live if self.pacer is None else PacedBackend(self._live, self.pacer)
                self._budgeted = BudgetedBackend(inner, self.budget, estimate)
                self.live_ready.set()
            return self._budgeted

    def complete(self, request: ModelRequest) -> ModelResponse:
        """Answer one request from the first layer that can."""
        if self.replay is not None:
            if (request.params.get("response_format") == "json_schema" and self.replay.json_mode_only()
                    and self.replay.lookup(request) is None):
                # Recorded from a json-mode-only server: answer as that server did, so the run falls back.
                from reporter.llm.protocol import StructuredOutputUnsupported

                raise StructuredOutputUnsupported("the cassette was recorded in json mode")
            response = self.replay.require(request)
            self._book(response, counted=True)
            return response
        response = self.cache.get(request) if self.cache is not None else None
        if response is not None:
            with self._lock:
                self.usage.cached += 1
        else:
            response = self._live_backend().complete(request)
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
