"""The model-access contract: one request/response shape shared by the live client, cache and cassettes.

`ModelRequest.key()` hashes only what the model sees (model, messages, JSON schema, parameters), so the
same request matches in the cache and in a cassette whatever prompt name or source it was made for.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from reporter.errors import ModelError

DEFAULT_MODEL = "gpt-4o-mini"


class StructuredOutputUnsupported(ModelError):
    """The server rejected `response_format` json_schema: fall back to json mode."""


def split_model(name: str) -> tuple[str, str]:
    """`provider:model` -> (provider, model); a bare name is an OpenAI (or compatible) model."""
    provider, sep, model = name.partition(":")
    return (provider, model) if sep and provider.isidentifier() else ("openai", name)


class ChatMessage(BaseModel):
    """One chat message sent to the model."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"] = Field(description="Who speaks: system, user or assistant.")
    content: str = Field(description="The message text.")


class ModelRequest(BaseModel):
    """Everything needed to ask the model once, plus the provenance used in messages and cassettes."""

    model_config = ConfigDict(extra="forbid")

    prompt_name: str = Field(description="Name of the prompt template the messages were built from.")
    prompt_version: str = Field(description="Version of that prompt template.")
    source_id: str | None = Field(default=None, description="The source the request is about, if one.")
    model: str = Field(description="Model name, or provider:model.")
    messages: list[ChatMessage] = Field(description="The chat messages, in order.")
    schema_name: str | None = Field(default=None, description="Name of the expected output schema, if any.")
    json_schema: dict[str, Any] | None = Field(default=None, description="JSON schema of the output.")
    params: dict[str, Any] = Field(default_factory=dict, description="Sampling parameters: temperature etc.")

    def key(self) -> str:
        """sha256 of the canonical JSON of what the model sees: model, messages, schema and parameters."""
        payload = {
            "model": self.model,
            "messages": [m.model_dump() for m in self.messages],
            "json_schema": self.json_schema,
            "params": self.params,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ModelResponse(BaseModel):
    """What the model answered, with the usage the server reported."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The response text (JSON for structured output).")
    model: str = Field(description="The model that answered, as the server named it.")
    input_tokens: int = Field(default=0, description="Prompt tokens reported by the server.")
    output_tokens: int = Field(default=0, description="Completion tokens reported by the server.")
    finish_reason: str | None = Field(default=None, description="Why generation stopped: stop, length, ...")


@runtime_checkable
class ModelBackend(Protocol):
    """Anything that answers a ModelRequest: the live model, the cache, a cassette, a test stub."""

    def complete(self, request: ModelRequest) -> ModelResponse:
        """Answer one request (blocking)."""
        ...
