"""The live model: one ModelRequest sent to an OpenAI-compatible server with the openai SDK.

OpenAI-compatible servers (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, TGI) are called through the openai
SDK directly rather than LangChain's ChatOpenAI: each server's quirks need the exact request body (which
parameters, which output form) and the server's own error body, which ChatOpenAI rewrites (it moves
parameters, parses `response_format` itself and warns on stderr). A `provider:model` name of another
LangChain provider (`anthropic:claude-…`, see `split_model`) still goes through LangChain.

Retries are ours, so a message can say how many happened: 429, 5xx, timeouts and dropped connections are
retried with exponential backoff honouring `retry-after`, except that a timed-out request to a local
server is sent again once at most (it is likely still being computed there; more copies only queue).
Errors carry the server's status, error type and message (any key redacted) and a one-line hint.
The API key is handed to the SDK only and never appears in a message or the call log.
"""

from __future__ import annotations

import importlib
import json
import random
import re
import time
from typing import Any

import openai

from reporter.config import Config
from reporter.errors import (
    ConfigError,
    ContextWindowExceeded,
    ModelError,
    ModelUnavailable,
    ParameterRejected,
    RequestRejected,
    StructuredOutputUnsupported,
)
from reporter.llm.names import DEFAULT_MODEL, split_model
from reporter.llm.protocol import ModelRequest, ModelResponse
from reporter.llm.server import describe_models, discover, is_local
from reporter.llm.transport import bounded_http_client, refusal_reason
from reporter.redaction import redact

__all__ = ["DEFAULT_MODEL", "LiveBackend", "StructuredOutputUnsupported", "split_model", "timeout_for"]

LOCAL_TIMEOUT_S = 600.0  # a laptop model at ~20 tokens/s needs minutes for a long answer
REMOTE_TIMEOUT_S = 60.0
MAX_BACKOFF_S = 60.0
_CONTEXT = re.compile(r"context[ _]length|context window|context size|maximum context|too many tokens|"
                      r"exceeds? (?:the )?(?:available )?context|prompt is too long|input (?:is )?too long|"
                      r"max_model_len|must have less than \d+ tokens", re.IGNORECASE)
_PARAM = re.compile(r"(?:Unsupported (?:parameter|value): |unknown (?:field|parameter):? |Unrecognized request "
                    r"argument supplied: |Extra inputs are not permitted[^']*)['`\"]?([A-Za-z_][\w.]*)['`\"]?")
_QUOTED = re.compile(r"['`\"]([a-z_][a-z0-9_]*)['`\"]")
_STRUCTURED_WORDS = ("response_format", "json_schema", "json_object", "tool", "grammar", "guided", "schema")


def timeout_for(config: Config) -> float:
    """`--timeout`, else minutes for a local server and a minute for a hosted one."""
    if config.timeout_s is not None:
        return config.timeout_s
    return LOCAL_TIMEOUT_S if is_local(config.base_url) else REMOTE_TIMEOUT_S


def _where(request: ModelRequest) -> str:
    return f"prompt {request.prompt_name}" + (f" for {request.source_id}" if request.source_id else "")


def request_body(request: ModelRequest, model: str) -> dict[str, Any]:
    """The JSON body of /chat/completions for the request, in its output mode."""
    body: dict[str, Any] = {"model": model, "messages": [m.model_dump() for m in request.messages]}
    body.update({k: v for k, v in request.params.items() if k != "response_format"})
    mode = request.params.get("response_format")
    name = re.sub(r"[^A-Za-z0-9_-]", "_", request.schema_name or "output")[:64]
    if mode == "json_schema" and request.json_schema is not None:
        body["response_format"] = {"type": "json_schema",
                                   "json_schema": {"name": name, "schema": request.json_schema, "strict": True}}
    elif mode == "json_object":
        body["response_format"] = {"type": "json_object"}
    elif mode == "tools" and request.json_schema is not None:
        body["tools"] = [{"type": "function", "function": {
            "name": name, "description": "Give the answer as this function's arguments.",
            "parameters": request.json_schema}}]
        body["tool_choice"] = {"type": "function", "function": {"name": name}}
    return body


def _error_parts(exc: openai.APIStatusError) -> tuple[str, str | None, str | None]:
    """(message, error type, param) from any server's error body: OpenAI's {"error": {...}}, Ollama's and
    LM Studio's {"error": "text"}, vLLM's {"object": "error", "message": ...}, TGI's {"error", "error_type"}
    and plain-text bodies."""
    body: Any = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict | str):
        inner = body["error"]
        body = inner if isinstance(inner, dict) else {"message": inner, **{k: v for k, v in body.items()
                                                                          if k != "error"}}
    if isinstance(body, dict):
        message = body.get("message") or body.get("detail") or body.get("msg") or json.dumps(body)[:500]
        kind = body.get("type") or body.get("error_type") or body.get("code")
        param = body.get("param")
        return str(message), (str(kind) if kind else None), (str(param) if param else None)
    if isinstance(body, str) and body.strip():
        return body.strip(), None, None
    try:
        text = exc.response.text.strip()
    except Exception:  # noqa: BLE001 - a streamed or closed body
        text = ""
    return text or exc.message, None, None


_LIMIT = re.compile(r"maximum context length is (\d+)|must be <= (\d+)|context (?:window|size|length) "
                    r"(?:is|of) (\d+)", re.IGNORECASE)


def _window_limit(message: str, body: Any) -> int | None:
    """The window a context-length refusal states: vLLM's and OpenAI's "maximum context length is N",
    TGI's "must be <= N", llama.cpp's `n_ctx` field."""
    if isinstance(body, dict) and isinstance(body.get("n_ctx"), int):
        return body["n_ctx"]
    found = _LIMIT.search(message)
    value = next((g for g in found.groups() if g), None) if found else None
    return int(value) if value and int(value) >= 256 else None


def _retry_after(exc: openai.APIStatusError, attempt: int) -> float:
    headers = exc.response.headers if exc.response is not None else {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return min(MAX_BACKOFF_S, max(0.0, float(value) * scale))
            except ValueError:
                continue
    return min(MAX_BACKOFF_S, 0.5 * 2 ** attempt + random.uniform(0, 0.25))


class LiveBackend:
    """Sends requests to the configured model; one instance per run (thread-safe: the SDK client is)."""

    def __init__(self, config: Config, log: Any = None, on_response: Any = None) -> None:
        """`on_response` sees every HTTP answer (retried 429s too): the run's pacer (llm/pacing.py)."""
        self.config = config
        self.log = log  # a CallLog (reporter.llm.calllog) or None
        self.provider, self.model = split_model(config.model or DEFAULT_MODEL, config.base_url)
        self.key = config.api_key.get_secret_value() if config.api_key else None
        self.timeout_s = timeout_for(config)
        self.local = is_local(config.base_url)
        self.server = config.base_url or "api.openai.com"
        self.chat: Any = None
        self.client: Any = None
        if self.provider == "openai":
            if self.key is None and config.base_url is None:
                raise ConfigError("no model configured: set OPENAI_API_KEY, or OPENAI_BASE_URL / --base-url "
                                  "for a local server")
            # Local OpenAI-compatible servers take any key; the SDK refuses to start without one.
            # Whole-request deadline, reply-size cap, envelope checks, key redaction (transport.py).
            http_client = bounded_http_client(timeout_s=self.timeout_s, max_reply_bytes=config.limits.max_reply_bytes,
                                              secrets=[self.key] if self.key else [])
            if on_response is not None:
                http_client.event_hooks["response"].append(on_response)
            self.client = openai.OpenAI(base_url=config.base_url, api_key=self.key or "not-needed",
                                        timeout=self.timeout_s, max_retries=0, http_client=http_client)
        else:
            self.chat = _init_other_provider(self.provider, self.model, config, self.key)

    # -- sending

    def complete(self, request: ModelRequest) -> ModelResponse:
        """Ask the model, retrying transient faults; raise a typed ModelError with an actionable message."""
        if self.chat is not None:
            return self._complete_langchain(request)
        body = request_body(request, self.model)
        retries = 0
        while True:
            started = time.perf_counter()
            try:
                completion = self.client.chat.completions.create(
                    model=body["model"], messages=body["messages"],
                    extra_body={k: v for k, v in body.items() if k not in ("model", "messages")})
            except openai.APIStatusError as exc:
                if reason := refusal_reason(exc):  # the transport refused the reply: never retried
                    self._log(request, body, started, error=f"reply refused: {reason}")
                    raise ModelError(f"{_where(request)}: reply refused: {reason}") from exc
                self._log(request, body, started, error=f"HTTP {exc.status_code}: {_error_parts(exc)[0]}")
                transient = exc.status_code in (408, 409, 429) or exc.status_code >= 500
                if transient and retries < self.config.max_retries:
                    time.sleep(_retry_after(exc, retries))
                    retries += 1
                    continue
                raise self._status_error(exc, request, body, retries) from exc
            except openai.APITimeoutError as exc:
                self._log(request, body, started, error=f"timed out after {self.timeout_s:g} s")
                # A local server is most likely still computing the first copy: ask again once at most.
                if retries < (min(1, self.config.max_retries) if self.local else self.config.max_retries):
                    retries += 1
                    continue
                note = f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
                why = " (not retried)" if not retries else ""
                raise ModelError(f"{_where(request)}: timed out: no answer from {self.server} within "
                                 f"{self.timeout_s:g} s"
                                 f"{note}{why}; a slow or busy model needs a longer --timeout") from exc
            except openai.APIConnectionError as exc:
                self._log(request, body, started, error=f"connection failed: {exc}")
                if retries < self.config.max_retries:
                    time.sleep(min(MAX_BACKOFF_S, 0.5 * 2 ** retries))
                    retries += 1
                    continue
                note = f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
                # Refused or unresolvable: nothing is listening, so no request can work. A connection
                # dropped mid-answer is a fault of this request only.
                import httpx

                kind = ModelUnavailable if isinstance(exc.__cause__, httpx.ConnectError) else ModelError
                raise kind(f"{_where(request)}: connection to {self.server} failed{note}: "
                           f"{redact(str(exc.__cause__ or exc), [self.key], key_shapes=True)}; is the server running "
                           "and is --base-url right?") from exc
            except (openai.APIResponseValidationError, ValueError, KeyError, TypeError, AttributeError,
                    IndexError) as exc:
                self._log(request, body, started, error=f"malformed reply: {type(exc).__name__}")
                raise ModelError(f"{_where(request)}: malformed reply from the server ({type(exc).__name__})") from exc
            response = _from_completion(completion, request)
            self._log(request, body, started, response=response)
            return response

    def _log(self, request: ModelRequest, body: dict[str, Any], started: float, *,
             response: ModelResponse | None = None, error: str | None = None) -> None:
        if self.log is not None:
            self.log.record(request, body, server=self.server, latency_s=time.perf_counter() - started,
                            response=response, error=redact(error, [self.key], key_shapes=True) if error else None)

    def _status_error(self, exc: openai.APIStatusError, request: ModelRequest, body: dict[str, Any],
                      retries: int) -> ModelError:
        """The typed error for a final HTTP error status, with the server's words and a hint."""
        status = exc.status_code
        message, kind, param = _error_parts(exc)
        message = redact(" ".join(message.split()), [self.key], key_shapes=True)[:400]
        said = f"{self.server} answered HTTP {status}" + (f" {kind}" if kind else "") + f": {message}"
        note = f" (after {retries} retr{'y' if retries == 1 else 'ies'})" if retries else ""
        where = _where(request)
        if status in (401, 403):
            return ModelUnavailable(f"{where}: {said}{note}; check the API key (OPENAI_API_KEY) for this server")
        if status == 404:
            models = discover(self.config.base_url, None, self.key).models if self.config.base_url else []
            hint = (f"the server serves: {describe_models(models)}; pass one with --model" if models else
                    "check --model and --base-url (it usually ends in /v1)")
            return ModelUnavailable(f"{where}: model {self.model!r} not found: {said}{note}; {hint}")
        if status in (400, 413, 422):
            if _CONTEXT.search(message) or (kind or "").startswith(("context_length", "exceed_context")):
                limit = _window_limit(message, exc.body)
                hint = (f"the server's window is {limit} tokens: remembered for this model, so the next run "
                        "splits articles and the brief to fit it" if limit else
                        "set --context-window to the server's real limit so articles are split to fit")
                error = ContextWindowExceeded(f"{where}: {said}; {hint}", status=status)
                error.limit = limit
                return error
            named = param or (m.group(1) if (m := _PARAM.search(message)) else None)
            sent = {k for k in body if k not in ("model", "messages", "response_format", "tools", "tool_choice")}
            if named not in sent:
                named = next((q for q in _QUOTED.findall(message) if q in sent), None)
            if named in sent:
                return ParameterRejected(f"{where}: {said}; parameter {named!r} is not accepted by this model",
                                         status=status, param=named)
            mode = request.params.get("response_format")
            if mode in ("json_schema", "json_object", "tools"):
                return StructuredOutputUnsupported(f"{where}: {mode} output refused: {said}", status=status)
            lower = message.lower()
            if any(w in lower for w in _STRUCTURED_WORDS) and mode:
                return StructuredOutputUnsupported(f"{where}: output mode refused: {said}", status=status)
            return RequestRejected(f"{where}: request refused: {said}{note}", status=status)
        return ModelError(f"{where}: {said}{note}")

    # -- other LangChain providers

    def _complete_langchain(self, request: ModelRequest) -> ModelResponse:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        messages = [kinds[m.role](content=m.content) for m in request.messages]
        kwargs = {k: v for k, v in request.params.items() if k != "response_format"}
        try:
            reply = self.chat.invoke(messages, **kwargs)
        except Exception as exc:  # noqa: BLE001 - each provider raises its own tree
            raise ModelError(f"{_where(request)}: {self.provider} failed: {type(exc).__name__}: "
                             f"{redact(str(exc), [self.key], key_shapes=True)[:300]}") from exc
        usage = getattr(reply, "usage_metadata", None) or {}
        content = reply.content if isinstance(reply.content, str) else str(reply.content)
        return ModelResponse(text=content, model=request.model,
                             input_tokens=int(usage.get("input_tokens", 0) or 0),
                             output_tokens=int(usage.get("output_tokens", 0) or 0),
                             finish_reason=(getattr(reply, "response_metadata", {}) or {}).get("finish_reason"))


def _from_completion(completion: Any, request: ModelRequest) -> ModelResponse:
    if not getattr(completion, "choices", None):
        raise ValueError("no choices in the reply")
    choice = completion.choices[0]
    message = choice.message
    text = message.content or ""
    calls = getattr(message, "tool_calls", None) or []
    if not text and calls:  # tools mode: the answer is the forced call's arguments
        arguments = calls[0].function.arguments
        # TGI sends the arguments as a JSON value, not the string OpenAI's API specifies.
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    refusal = getattr(message, "refusal", None)
    usage = completion.usage
    return ModelResponse(
        text=refusal if refusal and not text else text,
        model=completion.model or request.model,
        input_tokens=max(0, usage.prompt_tokens or 0) if usage else 0,
        output_tokens=max(0, usage.completion_tokens or 0) if usage else 0,
        finish_reason="refusal" if refusal and not text else choice.finish_reason,
    )


def _init_other_provider(provider: str, model: str, config: Config, key: str | None) -> Any:
    """Another LangChain provider by `provider:model`, if its package (and `langchain`) is installed."""
    try:
        init_chat_model = importlib.import_module("langchain.chat_models").init_chat_model
    except ImportError as exc:
        raise ConfigError(
            f"model provider {provider!r} needs the packages langchain and langchain-{provider}"
        ) from exc
    extra: dict[str, Any] = {"timeout": timeout_for(config), "max_retries": config.max_retries}
    if key:
        extra["api_key"] = key
    try:
        return init_chat_model(model, model_provider=provider, **extra)
    except ImportError as exc:
        raise ConfigError(f"model provider {provider!r} needs the package langchain-{provider}") from exc
