"""Structured output: ask in the best output mode the server takes, read tolerantly, re-ask at most twice.

Output modes form a ladder (`reporter.llm.profile.MODES`): json_schema (strict) -> json_object with the
schema in the prompt -> a forced tool call -> a plain prompt with the schema. The run starts at the rung
remembered for this server and model, else at the top; the first request is a probe that the other
threads wait for, so a refusal (any 400/422 to a structured request) moves the run down a rung once,
not once per article. A 400 naming a parameter drops it and asks again once. What is learned is reported
to `on_learn` (the run saves it per base URL and model). A server that can't be used at all (key refused,
unknown model, unreachable) fails the probe, and every later request fails at once without being sent.

Replies are read by `reporter.llm.parse` (reasoning blocks, prose and fences stripped; the first JSON
value that validates). A reply that still fails is answered with the `repair` prompt, which lists the
errors and shows the schema; after two re-asks the step raises `ModelOutputInvalid` with the last output.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from reporter.errors import (
    CassetteMiss,
    ContextWindowExceeded,
    ModelError,
    ModelOutputInvalid,
    ModelUnavailable,
    ParameterRejected,
    StructuredOutputUnsupported,
)
from reporter.llm.guard import clip_fields
from reporter.llm.parse import parse_output
from reporter.llm.profile import MODES
from reporter.llm.prompts import PromptTemplate, load_prompt
from reporter.llm.protocol import ChatMessage, ModelBackend, ModelRequest, ModelResponse
from reporter.llm.schemas import json_schema_for

T = TypeVar("T", bound=BaseModel)
MAX_REASKS = 2
PARAMS: dict[str, Any] = {"temperature": 0}
_SCHEMA_IN_PROMPT = ("json_object", "prompt")


def schema_text(schema: type[BaseModel]) -> str:
    return json.dumps(json_schema_for(schema), separators=(",", ":"))


def schema_note(schema: type[BaseModel], json_mode: bool) -> str:
    """The `schema_note` prompt variable: empty when the server enforces the schema, else the schema."""
    if not json_mode:
        return ""
    return "\nThe JSON must follow this JSON schema:\n" + schema_text(schema)


def check_output(response: ModelResponse, schema: type[T]) -> T | str:
    """The validated output, or a one-paragraph description of what is wrong with it."""
    if response.finish_reason == "length":
        return "the answer was cut off (finish_reason length); give a shorter answer"
    if response.finish_reason == "refusal":
        return f"the model refused: {response.text[:200]}"
    result = parse_output(response.text, schema)
    # A 2 MB field must not become a 2 MB briefing (guard.py).
    return result if isinstance(result, str) else clip_fields(result)


class StructuredCaller:
    """Builds requests from prompt templates and returns validated outputs; shared by a run's threads."""

    def __init__(self, backend: ModelBackend, model: str, *, params: dict[str, Any] | None = None,
                 mode: str | None = None, on_learn: Callable[[str, list[str]], None] | None = None,
                 on_window: Callable[[int], None] | None = None) -> None:
        self.backend = backend
        self.model = model
        self.params = dict(PARAMS if params is None else params)
        self.mode_index = MODES.index(mode) if mode in MODES else 0
        self.dropped: list[str] = []
        self.on_learn = on_learn
        self.on_window = on_window  # told the window a context-length refusal stated
        self.prompts_used: dict[str, str] = {}
        self.fatal: ModelError | None = None
        self.settled = threading.Event()  # set once the probe answered: the mode is known
        self.relearned = False  # a parameter or mode changed after the mode was settled (mid-run)
        if mode in MODES:
            self.settled.set()
        self._lock = threading.Lock()
        self._probe = threading.Lock()

    @property
    def mode(self) -> str:
        """The output mode requests are built in now."""
        return MODES[self.mode_index]

    @property
    def json_mode(self) -> bool:
        """True when the schema travels in the prompt (json_object or plain prompt mode)."""
        return self.mode in _SCHEMA_IN_PROMPT

    def build(self, prompt: PromptTemplate, values: dict[str, str], schema: type[BaseModel],
              source_id: str | None, extra: list[ChatMessage] | None = None,
              mode: str | None = None) -> ModelRequest:
        """The request for `prompt` filled with `values` (plus `schema_note`), in `mode` (default: current)."""
        mode = mode or self.mode
        messages = prompt.render(**values, schema_note=schema_note(schema, mode in _SCHEMA_IN_PROMPT))
        with self._lock:
            params = {**self.params, "response_format": mode}
        return ModelRequest(
            prompt_name=prompt.name,
            prompt_version=prompt.version,
            source_id=source_id,
            model=self.model,
            messages=[*messages, *(extra or [])],
            schema_name=schema.__name__,
            json_schema=json_schema_for(schema),
            params=params,
        )

    def _learned(self, probing: bool = False) -> None:
        if not probing and self.settled.is_set():
            self.relearned = True
        if self.on_learn is not None:
            self.on_learn(self.mode, list(self.dropped))

    def _send(self, build: Callable[[str], ModelRequest]) -> tuple[ModelRequest, ModelResponse]:
        """Send once the mode is settled; the first caller probes while the others wait."""
        if self.fatal is not None:
            raise self.fatal
        if not self.settled.is_set():
            with self._probe:
                if self.fatal is not None:
                    raise self.fatal
                if not self.settled.is_set():
                    try:
                        result = self._adapt(build)
                    except ModelUnavailable as exc:
                        self.fatal = exc
                        raise
                    except CassetteMiss:
                        raise
                    except ModelError:
                        self.settled.set()
                        raise
                    self._learned(probing=True)
                    self.settled.set()
                    return result
        return self._adapt(build)

    def _adapt(self, build: Callable[[str], ModelRequest]) -> tuple[ModelRequest, ModelResponse]:
        """Send, dropping a refused parameter once and stepping down the ladder on a structured refusal."""
        dropped_here: set[str] = set()
        while True:
            index = self.mode_index
            request = build(MODES[index])
            try:
                return request, self.backend.complete(request)
            except ParameterRejected as exc:
                param = exc.param or ""
                if param in dropped_here or param not in request.params:
                    raise
                dropped_here.add(param)
                with self._lock:
                    if param in self.params:
                        self.params.pop(param)
                        self.dropped.append(param)
                self._learned()
            except ContextWindowExceeded as exc:
                if exc.limit and self.on_window is not None:
                    self.on_window(exc.limit)
                raise
            except StructuredOutputUnsupported:
                with self._lock:
                    if self.mode_index == index:
                        if index + 1 >= len(MODES):
                            raise
                        self.mode_index = index + 1
                self._learned()
            except CassetteMiss as miss:
                # A cassette recorded against another server holds another mode's requests.
                for other in MODES:
                    if other == MODES[index]:
                        continue
                    alternative = build(other)
                    try:
                        response = self.backend.complete(alternative)
                    except CassetteMiss:
                        continue
                    with self._lock:
                        self.mode_index = MODES.index(other)
                    return alternative, response
                raise miss from None

    def ask(self, prompt: PromptTemplate, values: dict[str, str], schema: type[T],
            source_id: str | None = None) -> tuple[T, int]:
        """Validated output and the number of re-asks it took; ModelOutputInvalid after MAX_REASKS."""
        repair = load_prompt("repair")
        with self._lock:
            self.prompts_used[prompt.name] = prompt.version
        extra: list[ChatMessage] = []
        last = ""
        error = ""
        sent: list[ModelRequest] = []
        for attempt in range(MAX_REASKS + 1):
            turns = list(extra)
            request, response = self._send(
                lambda mode, turns=turns: self.build(prompt, values, schema, source_id, turns, mode))
            sent.append(request)
            result = check_output(response, schema)
            if not isinstance(result, str):
                return result, attempt
            last = response.text
            with self._lock:
                self.prompts_used[repair.name] = repair.version
            extra += [ChatMessage(role="assistant", content=response.text),
                      *repair.render(errors=result, schema=schema_text(schema))]
            error = result
        # A chain that ended invalid must not be replayed from the cache on a re-run: forget its answers.
        if forget := getattr(self.backend, "forget", None):
            for request in sent:
                forget(request)
        raise ModelOutputInvalid(f"model output invalid after {MAX_REASKS} re-asks: {error}", last_output=last)
