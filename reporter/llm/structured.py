"""Structured output: ask with a JSON schema, validate with pydantic, re-ask at most twice.

The schema goes to the model as `response_format` json_schema (strict). A server that rejects that
gets json mode instead, with the schema stated in the system prompt, for the rest of the run. A reply
that fails validation is answered with the `repair` prompt listing the errors; after two re-asks the
step raises `ModelOutputInvalid` carrying the last output, and the caller keeps the item as invalid.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from reporter.errors import CassetteMiss, ModelOutputInvalid
from reporter.llm.guard import clip_fields
from reporter.llm.prompts import PromptTemplate, load_prompt
from reporter.llm.protocol import (
    ChatMessage,
    ModelBackend,
    ModelRequest,
    ModelResponse,
    StructuredOutputUnsupported,
)
from reporter.llm.schemas import json_schema_for

T = TypeVar("T", bound=BaseModel)
MAX_REASKS = 2
PARAMS: dict[str, Any] = {"temperature": 0}
_FENCE = re.compile(r"\A\s*```(?:json)?\s*\n(.*?)\n\s*```\s*\Z", re.DOTALL)


def schema_note(schema: type[BaseModel], json_mode: bool) -> str:
    """The `schema_note` prompt variable: empty in strict mode, the schema itself in json mode."""
    if not json_mode:
        return ""
    return "\nThe JSON must follow this JSON schema:\n" + json.dumps(json_schema_for(schema), separators=(",", ":"))


def check_output(response: ModelResponse, schema: type[T]) -> T | str:
    """The validated output, or a one-paragraph description of what is wrong with it."""
    if response.finish_reason == "length":
        return "the answer was cut off (finish_reason length); give a shorter answer"
    if response.finish_reason == "refusal":
        return f"the model refused: {response.text[:200]}"
    text = response.text
    if match := _FENCE.match(text):
        text = match.group(1)  # local models often fence JSON despite json mode
    try:
        return clip_fields(schema.model_validate_json(text))  # a 2 MB field must not become a 2 MB briefing
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()[:10]
        ]
        return "; ".join(problems)


class StructuredCaller:
    """Builds requests from prompt templates and returns validated outputs; shared by a run's threads."""

    def __init__(self, backend: ModelBackend, model: str) -> None:
        self.backend = backend
        self.model = model
        self.json_mode = False
        self.prompts_used: dict[str, str] = {}
        self._lock = threading.Lock()

    def build(self, prompt: PromptTemplate, values: dict[str, str], schema: type[BaseModel],
              source_id: str | None, extra: list[ChatMessage] | None = None) -> ModelRequest:
        """The request for `prompt` filled with `values` (plus `schema_note`), in the current mode."""
        messages = prompt.render(**values, schema_note=schema_note(schema, self.json_mode))
        return ModelRequest(
            prompt_name=prompt.name,
            prompt_version=prompt.version,
            source_id=source_id,
            model=self.model,
            messages=[*messages, *(extra or [])],
            schema_name=schema.__name__,
            json_schema=json_schema_for(schema),
            params={**PARAMS, "response_format": "json_object" if self.json_mode else "json_schema"},
        )

    def _send(self, build: Callable[[], ModelRequest]) -> tuple[ModelRequest, ModelResponse]:
        request = build()
        try:
            return request, self.backend.complete(request)
        except StructuredOutputUnsupported:
            with self._lock:
                self.json_mode = True
            request = build()
            return request, self.backend.complete(request)
        except CassetteMiss as miss:
            if self.json_mode:
                raise
            # A run recorded against a server without json_schema holds the json-mode requests instead.
            self.json_mode = True
            try:
                request = build()
                return request, self.backend.complete(request)
            except CassetteMiss:
                self.json_mode = False
                raise miss from None

    def ask(self, prompt: PromptTemplate, values: dict[str, str], schema: type[T],
            source_id: str | None = None) -> tuple[T, int]:
        """Validated output and the number of re-asks it took; ModelOutputInvalid after MAX_REASKS."""
        repair = load_prompt("repair")
        with self._lock:
            self.prompts_used[prompt.name] = prompt.version
        extra: list[ChatMessage] = []
        last = ""
        sent: list[ModelRequest] = []
        for attempt in range(MAX_REASKS + 1):
            request, response = self._send(partial(self.build, prompt, values, schema, source_id, list(extra)))
            sent.append(request)
            result = check_output(response, schema)
            if not isinstance(result, str):
                return result, attempt
            last = response.text
            with self._lock:
                self.prompts_used[repair.name] = repair.version
            extra += [ChatMessage(role="assistant", content=response.text), *repair.render(errors=result)]
            error = result
        # A chain that ended invalid must not be replayed from the cache on a re-run: forget its answers.
        if forget := getattr(self.backend, "forget", None):
            for request in sent:
                forget(request)
        raise ModelOutputInvalid(f"model output invalid after {MAX_REASKS} re-asks: {error}", last_output=last)
