"""The live model: a LangChain chat model (ChatOpenAI by default) answering one ModelRequest.

Retries are the openai SDK's own (`max_retries`): exponential backoff with jitter on 429, 5xx,
timeouts and dropped connections, honouring `retry-after`. The API key is handed to the client only,
and error messages are built from the error class and status, never from request headers.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from reporter.config import Config
from reporter.errors import ConfigError, ModelError
from reporter.llm.protocol import (
    DEFAULT_MODEL,
    ModelRequest,
    ModelResponse,
    StructuredOutputUnsupported,
    split_model,
)
from reporter.llm.transport import bounded_http_client, refusal_reason

# DEFAULT_MODEL, StructuredOutputUnsupported and split_model live in protocol (no openai import there).
__all__ = ["DEFAULT_MODEL", "LiveBackend", "StructuredOutputUnsupported", "split_model"]

_LC_MESSAGE = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}


def _response_format(request: ModelRequest) -> dict[str, Any] | None:
    mode = request.params.get("response_format")
    if mode == "json_schema" and request.json_schema is not None:
        schema = {"name": request.schema_name or "output", "schema": request.json_schema, "strict": True}
        return {"type": "json_schema", "json_schema": schema}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


class LiveBackend:
    """Sends requests to the configured model through LangChain."""

    def __init__(self, config: Config, on_response: Callable[[Any], None] | None = None) -> None:
        """`on_response` sees every HTTP answer (the SDK's retried 429s too): the run's pacer (llm/pacing.py)."""
        provider, model = split_model(config.model or DEFAULT_MODEL)
        key = config.api_key.get_secret_value() if config.api_key else None
        if provider == "openai":
            from langchain_openai import ChatOpenAI

            if key is None and config.base_url is None:
                raise ConfigError("no model configured: set OPENAI_API_KEY or OPENAI_BASE_URL")
            http_client = bounded_http_client(timeout_s=config.timeout_s, max_reply_bytes=config.limits.max_reply_bytes,
                                              secrets=[key] if key else [])
            if on_response is not None:
                http_client.event_hooks["response"].append(on_response)
            self.chat = ChatOpenAI(
                model=model,
                base_url=config.base_url,
                # Local OpenAI-compatible servers take any key; the SDK refuses to start without one.
                api_key=key or "not-needed",
                timeout=config.timeout_s,
                max_retries=config.max_retries,
                # Whole-request deadline, reply-size cap, envelope checks, key redaction (transport.py).
                http_client=http_client,
            )
        else:
            self.chat = _init_other_provider(provider, model, config, key)

    def complete(self, request: ModelRequest) -> ModelResponse:
        """Ask the model once (with the SDK's bounded retries) and return its text and usage."""
        messages: list[BaseMessage] = [_LC_MESSAGE[m.role](content=m.content) for m in request.messages]
        kwargs = {k: v for k, v in request.params.items() if k != "response_format"}
        if (fmt := _response_format(request)) is not None:
            kwargs["response_format"] = fmt
        try:
            with warnings.catch_warnings():
                # LangChain warns on stderr when a server lacks strict json_schema support; we fall back
                # to json mode ourselves (structured.py), so the user needs no Python warning about it.
                warnings.filterwarnings("ignore", message="This model does not support OpenAI's structured output")
                reply = self.chat.invoke(messages, **kwargs)
        except openai.LengthFinishReasonError as exc:
            return _from_completion(exc.completion, request, "length")
        except openai.ContentFilterFinishReasonError as exc:
            raise ModelError(f"{_where(request)}: the server's content filter stopped the answer") from exc
        except openai.BadRequestError as exc:
            if "response_format" in str(exc) or "json_schema" in str(exc):
                raise StructuredOutputUnsupported(f"json_schema output rejected: {exc.status_code}") from exc
            raise ModelError(f"{_where(request)}: request rejected (HTTP {exc.status_code})") from exc
        except openai.APIStatusError as exc:
            if reason := refusal_reason(exc):
                raise ModelError(f"{_where(request)}: reply refused: {reason}") from exc
            raise ModelError(f"{_where(request)}: HTTP {exc.status_code} after retries") from exc
        except openai.APITimeoutError as exc:
            raise ModelError(f"{_where(request)}: timed out after retries") from exc
        except openai.APIConnectionError as exc:
            raise ModelError(f"{_where(request)}: connection failed after retries") from exc
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            # LangChain raises these for malformed server replies (no choices, non-JSON body).
            raise ModelError(f"{_where(request)}: malformed reply from the server") from exc
        return _from_message(reply, request)


def _where(request: ModelRequest) -> str:
    return f"prompt {request.prompt_name}" + (f" for {request.source_id}" if request.source_id else "")


def _from_message(reply: Any, request: ModelRequest) -> ModelResponse:
    usage = getattr(reply, "usage_metadata", None) or {}
    meta = getattr(reply, "response_metadata", {}) or {}
    refusal = (getattr(reply, "additional_kwargs", {}) or {}).get("refusal")
    content = reply.content if isinstance(reply.content, str) else str(reply.content)
    return ModelResponse(
        text=refusal if refusal and not content else content,
        model=str(meta.get("model_name") or request.model),
        input_tokens=max(0, int(usage.get("input_tokens", 0) or 0)),
        output_tokens=max(0, int(usage.get("output_tokens", 0) or 0)),
        finish_reason="refusal" if refusal and not content else meta.get("finish_reason"),
    )


def _from_completion(completion: Any, request: ModelRequest, finish_reason: str) -> ModelResponse:
    choice = completion.choices[0] if completion.choices else None
    usage = completion.usage
    return ModelResponse(
        text=(choice.message.content or "") if choice else "",
        model=completion.model or request.model,
        input_tokens=usage.prompt_tokens if usage else 0,
        output_tokens=usage.completion_tokens if usage else 0,
        finish_reason=finish_reason,
    )


def _init_other_provider(provider: str, model: str, config: Config, key: str | None) -> Any:
    """Another LangChain provider by `provider:model`, if its package (and `langchain`) is installed."""
    try:
        init_chat_model = importlib.import_module("langchain.chat_models").init_chat_model
    except ImportError as exc:
        raise ConfigError(
            f"model provider {provider!r} needs the packages langchain and langchain-{provider}"
        ) from exc
    extra: dict[str, Any] = {"timeout": config.timeout_s, "max_retries": config.max_retries}
    if key:
        extra["api_key"] = key
    if config.base_url:
        extra["base_url"] = config.base_url
    try:
        return init_chat_model(model, model_provider=provider, **extra)
    except ImportError as exc:
        raise ConfigError(f"model provider {provider!r} needs the package langchain-{provider}") from exc
