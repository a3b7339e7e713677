"""A fake OpenAI-compatible server on 127.0.0.1, for tests, benchmarks and docs.

It speaks real HTTP (`POST /v1/chat/completions`, `GET /v1/models`), so the openai SDK and LangChain are
exercised over a real socket. Each chat request is answered, in order of precedence, by:

1. a scripted reply queued with `fake.script(...)` (first in, first out),
2. a rule added with `fake.on(predicate, reply, times=...)` that matches the request,
3. the `responder` callable (a function model: it sees the request and scripts the turn),
4. the `cassette` (matched by the messages sent; the schema breaks ties).

Replies can be faults: `rate_limited`, `server_error`, `slow`, `dropped`, `malformed_json`, `truncated`,
`refusal`, `schema_invalid`; `with_invented_quotes` makes a responder quote text found in no source.
Every request received is kept in `fake.calls` (headers and body) so tests can count requests and check
that the API key travelled only in the Authorization header.

    with FakeOpenAI(cassette="tests/cassettes/seeds.yaml", latency_s=0.2) as fake:
        client = openai.OpenAI(base_url=fake.url, api_key="sk-test")

Standalone: `python -m tests.fake_openai --cassette FILE --port 8099 [--latency 1.0]`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import math
import re
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from reporter.llm.cassette import Cassette

DEFAULT_MODEL = "fake-model"


@dataclass
class Reply:
    """How the fake server answers one chat request (a normal answer or a fault)."""

    text: str | None = None
    finish_reason: str = "stop"
    refusal: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    raw_body: bytes | None = None
    delay_s: float = 0.0
    drop: bool = False
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    error_body: dict[str, Any] | None = None  # the whole JSON error body, when `error` alone is not enough
    error_raw: bytes | None = None  # an error answered with exactly these bytes (a server's own shape)
    content_type: str = "application/json"


@dataclass
class ChatCall:
    """One HTTP request the fake server received."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any = None

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or []) if isinstance(self.body, dict) else []

    @property
    def response_format(self) -> dict[str, Any] | None:
        return self.body.get("response_format") if isinstance(self.body, dict) else None

    @property
    def json_schema(self) -> dict[str, Any] | None:
        """The output schema the client asked for (response_format json_schema), if any."""
        fmt = self.response_format or {}
        if fmt.get("type") == "json_schema":
            return (fmt.get("json_schema") or {}).get("schema")
        return None

    @property
    def requested_schema(self) -> dict[str, Any] | None:
        """The output schema: from response_format, or in json mode the first JSON schema in the messages."""
        if self.json_schema is not None:
            return self.json_schema
        decoder = json.JSONDecoder()
        for message in self.messages:
            text = _content_text(message.get("content"))
            for start in (m.start() for m in re.finditer(r"\{", text)):
                try:
                    value, _ = decoder.raw_decode(text, start)
                except ValueError:
                    continue
                if isinstance(value, dict) and "properties" in value:
                    return value
        return None

    @property
    def text(self) -> str:
        """All message contents joined, for predicates like `lambda call: 'source-2' in call.text`."""
        return "\n".join(_content_text(m.get("content")) for m in self.messages)

    @property
    def last_user(self) -> str:
        users = [m for m in self.messages if m.get("role") == "user"]
        return _content_text(users[-1].get("content")) if users else ""


Responder = Callable[[ChatCall], "Reply | str | dict[str, Any] | list[Any]"]


# -- replies: answers and faults ------------------------------------------------------------------


def ok(text: str | dict[str, Any] | list[Any], **kw: Any) -> Reply:
    """A normal answer; dicts and lists are sent as JSON text."""
    return Reply(text=text if isinstance(text, str) else json.dumps(text), **kw)


def rate_limited(retry_after: float = 1, **kw: Any) -> Reply:
    """HTTP 429 with a retry-after header (seconds)."""
    header = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
    return Reply(status=429, headers={"retry-after": header, "retry-after-ms": str(int(retry_after * 1000))},
                 error="Rate limit reached (fake)", **kw)


def server_error(status: int = 500, **kw: Any) -> Reply:
    """An HTTP 5xx error."""
    return Reply(status=status, error="The server had an error (fake)", **kw)


def slow(delay_s: float, then: Reply | None = None) -> Reply:
    """`then` (default: the normal answer) after `delay_s` seconds; a client timeout turns it into a fault."""
    reply = then or Reply()
    reply.delay_s += delay_s
    return reply


def dropped() -> Reply:
    """The connection is closed without any response."""
    return Reply(drop=True)


def malformed_json() -> Reply:
    """HTTP 200 whose body is not JSON at all."""
    return Reply(raw_body=b'{"id": "chatcmpl-broken", "choices": [{"message": {"content": "unterminated')


def truncated(text: str = '{"source_id": "a", "key_points": ["The model ran out of tok') -> Reply:
    """Output cut off at the token limit: finish_reason "length"."""
    return Reply(text=text, finish_reason="length")


def refusal(text: str = "I'm sorry, I can't help with that request.") -> Reply:
    """A model refusal: no content, a `refusal` message."""
    return Reply(refusal=text)


def schema_invalid() -> Reply:
    """Valid JSON that matches no reporter schema."""
    return ok({"unexpected": "this object does not follow the requested schema", "confidence": "very"})


INVENTED_QUOTE = "The minister privately admitted the figures were invented."


def with_invented_quotes(responder: Responder, quote: str = INVENTED_QUOTE) -> Responder:
    """Wrap a responder so every evidence text in its JSON answers is a quote found in no source."""

    def invent(value: Any, in_evidence: bool = False) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if in_evidence and k in ("text", "quote") and isinstance(v, str):
                    out[k] = quote
                else:
                    out[k] = invent(v, in_evidence or k in ("evidence", "quotes"))
            return out
        if isinstance(value, list):
            return [invent(v, in_evidence) for v in value]
        return value

    def wrapped(call: ChatCall) -> Reply | str | dict[str, Any] | list[Any]:
        reply = _as_reply(responder(call))
        if reply.text is not None:
            with contextlib.suppress(ValueError):
                reply.text = json.dumps(invent(json.loads(reply.text)))
        return reply

    return wrapped


# -- the server -----------------------------------------------------------------------------------


class RateBudget:
    """OpenAI's per-minute rate limits, as its API enforces and reports them.

    Tokens and requests refill continuously (the whole limit per minute). A request is charged, when it
    arrives, its prompt tokens plus `completion_estimate` (OpenAI counts `max_tokens` the same way); one
    that does not fit gets HTTP 429 with OpenAI's body (type "tokens" or "requests", code
    "rate_limit_exceeded", "Rate limit reached for MODEL in organization ORG on tokens per min (TPM): Limit
    L, Used U, Requested R. Please try again in T. ...") and the `x-ratelimit-*` headers every answer
    carries: limit, remaining and reset ("6m0s", "1.5s", "20ms") for requests and tokens. `retry_after`
    adds a `retry-after` header to 429s (OpenAI does not always send one).
    """

    def __init__(self, tokens_per_minute: int, requests_per_minute: int = 10_000, completion_estimate: int = 200,
                 retry_after: bool = False, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.tpm, self.rpm = tokens_per_minute, requests_per_minute
        self.window_s = window_s  # the "minute": shorter in tests, so a budget refills in seconds
        self.completion_estimate = completion_estimate
        self.retry_after = retry_after
        self._clock = clock
        self._tokens, self._requests = float(self.tpm), float(self.rpm)
        self._last = clock()
        self._lock = threading.Lock()
        self.refused = 0

    def admit(self, call: ChatCall, model: str) -> tuple[Reply | None, dict[str, str]]:
        """(a 429 reply, or None and the rate-limit headers to send with the answer)."""
        wanted = _estimate_tokens(call.text) + self.completion_estimate
        with self._lock:
            now = self._clock()
            elapsed, self._last = now - self._last, now
            self._tokens = min(self.tpm, self._tokens + elapsed * self.tpm / self.window_s)
            self._requests = min(self.rpm, self._requests + elapsed * self.rpm / self.window_s)
            if wanted > self.tpm:  # no wait can make room: OpenAI says so
                self.refused += 1
                message = (f"Request too large for {call.model or model} in organization org-fake on tokens per min "
                           f"(TPM): Limit {self.tpm}, Requested {wanted}. The input or output tokens must be reduced "
                           "in order to run successfully. Visit https://platform.openai.com/account/rate-limits to "
                           "learn more.")
                body = {"error": {"message": message, "type": "tokens", "param": None, "code": "rate_limit_exceeded"}}
                return Reply(status=429, error=message, error_body=body, headers=self._headers()), {}
            if self._requests < 1 or self._tokens < wanted:
                self.refused += 1
                by_tokens = self._tokens < wanted
                kind, short, limit = ("tokens", "TPM", self.tpm) if by_tokens else ("requests", "RPM", self.rpm)
                wait = (wanted - self._tokens if by_tokens else 1 - self._requests) * self.window_s / limit
                used = round(limit - (self._tokens if by_tokens else self._requests))
                requested = wanted if by_tokens else 1
                message = (f"Rate limit reached for {call.model or model} in organization org-fake on {kind} per min "
                           f"({short}): Limit {limit}, Used {used}, Requested {requested}. Please try again in "
                           f"{_openai_duration(wait)}. Visit https://platform.openai.com/account/rate-limits to "
                           "learn more.")
                headers = self._headers()
                if self.retry_after:
                    headers["retry-after"] = str(max(1, math.ceil(wait)))
                body = {"error": {"message": message, "type": kind, "param": None, "code": "rate_limit_exceeded"}}
                return Reply(status=429, error=message, error_body=body, headers=headers), {}
            self._tokens -= wanted
            self._requests -= 1
            return None, self._headers()

    def _headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit-requests": str(self.rpm),
            "x-ratelimit-limit-tokens": str(self.tpm),
            "x-ratelimit-remaining-requests": str(max(0, int(self._requests))),
            "x-ratelimit-remaining-tokens": str(max(0, int(self._tokens))),
            "x-ratelimit-reset-requests": _openai_duration((self.rpm - self._requests) * self.window_s / self.rpm),
            "x-ratelimit-reset-tokens": _openai_duration((self.tpm - self._tokens) * self.window_s / self.tpm),
        }


def _openai_duration(seconds: float) -> str:
    """A duration as OpenAI writes it in reset headers and messages: '20ms', '1.5s', '6m0s'."""
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.3g}s"


class _QuietHTTPServer(ThreadingHTTPServer):
    """A client that hangs up mid-reply (a deadline, Ctrl-C) is routine, as on real servers: no traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipe, ConnectionReset, ...
            super().handle_error(request, client_address)


class FakeOpenAI:
    """An OpenAI-compatible HTTP server on 127.0.0.1 answering from a script, a responder or a cassette."""

    def __init__(self, responder: Responder | None = None, cassette: Cassette | str | Path | None = None,
                 latency_s: float = 0.0, model: str = DEFAULT_MODEL, port: int = 0,
                 json_schema_supported: bool = True, budget: RateBudget | None = None, profile: Any = None) -> None:
        self.responder = responder
        self.budget = budget  # a per-minute token/request budget answered with OpenAI's 429s
        self.profile = profile  # a tests.server_profiles.ServerProfile: one real server's quirks
        self.json_schema_supported = json_schema_supported  # False: like servers with json mode only
        self.cassette = cassette
        self.latency_s = latency_s
        self.model = model
        self.calls: list[ChatCall] = []
        self.misses: list[ChatCall] = []
        self._script: deque[Reply] = deque()
        self._rules: list[list[Any]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = _QuietHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def cassette(self) -> Cassette | None:
        """The cassette answering requests nothing else answered; settable (str/Path are loaded)."""
        return self._cassette

    @cassette.setter
    def cassette(self, value: Cassette | str | Path | None) -> None:
        self._cassette = Cassette.load(value) if isinstance(value, str | Path) else value
        self._index = _index_cassette(self._cassette) if self._cassette else {}

    # -- lifecycle

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL for clients: http://127.0.0.1:PORT/v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        # A short poll interval: stop() returns in ~50 ms instead of serve_forever's default 0.5 s.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting

    def script(self, *replies: Reply) -> None:
        """Answer the next chat requests with these replies, in order, before anything else."""
        with self._lock:
            self._script.extend(replies)

    def on(self, predicate: Callable[[ChatCall], bool], reply: Reply | Callable[[], Reply],
           times: int | None = 1) -> None:
        """Answer requests matching `predicate` with `reply` (or a factory), `times` times (None: always)."""
        with self._lock:
            self._rules.append([predicate, reply, times])

    # -- inspection

    @property
    def chat_calls(self) -> list[ChatCall]:
        return [c for c in self.calls if c.path.rstrip("/").endswith("/chat/completions")]

    def leaks(self, secret: str) -> list[str]:
        """Where `secret` appears in received requests other than the Authorization header."""
        found = []
        for n, call in enumerate(self.calls):
            for name, value in call.headers.items():
                if name.lower() != "authorization" and secret in value:
                    found.append(f"request {n} header {name}")
            if secret.encode() in call.raw:
                found.append(f"request {n} body")
        return found

    # -- answering

    def _answer(self, call: ChatCall) -> Reply:
        if self.budget is not None:
            refused, headers = self.budget.admit(call, self.model)
            if refused is not None:
                return refused
            reply = self._answer_unlimited(call)
            return _copy(reply) if not headers else Reply(**{**reply.__dict__, "headers": {**reply.headers, **headers}})
        return self._answer_unlimited(call)

    def _answer_unlimited(self, call: ChatCall) -> Reply:
        if self.profile is not None:
            refused = self.profile.refuse(call)
            if refused is not None:
                return refused
            return self.profile.shape(call, self._answer_plain(call))
        return self._answer_plain(call)

    def _answer_plain(self, call: ChatCall) -> Reply:
        if not self.json_schema_supported and (call.response_format or {}).get("type") == "json_schema":
            return Reply(status=400, error="Invalid parameter: 'response_format' of type 'json_schema' is not "
                                           "supported with this model.")
        with self._lock:
            if self._script:
                return self._script.popleft()
            for rule in self._rules:
                predicate, reply, times = rule
                if (times is None or times > 0) and predicate(call):
                    if times is not None:
                        rule[2] = times - 1
                    return reply() if callable(reply) else _copy(reply)
        if self.responder is not None:
            return _as_reply(self.responder(call))
        if self.cassette is not None:
            entry = _match(self._index, call)
            if entry is not None:
                resp = entry.response
                return Reply(text=resp.text, finish_reason=resp.finish_reason or "stop", model=resp.model,
                             input_tokens=resp.input_tokens, output_tokens=resp.output_tokens)
        self.misses.append(call)
        return Reply(status=400, error="fake server: no scripted answer for this request")


# -- helpers --------------------------------------------------------------------------------------


def _content_text(content: Any) -> str:
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


def _copy(reply: Reply) -> Reply:
    return Reply(**{**reply.__dict__, "headers": dict(reply.headers)})


def _as_reply(answer: Reply | str | dict[str, Any] | list[Any]) -> Reply:
    return answer if isinstance(answer, Reply) else ok(answer)


def _messages_digest(messages: Iterable[dict[str, Any]]) -> str:
    canon = [{"role": m.get("role"), "content": _content_text(m.get("content"))} for m in messages]
    return hashlib.sha256(json.dumps(canon, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _index_cassette(cassette: Cassette) -> dict[str, list[Any]]:
    """Cassette entries by the digest of their messages: what the server can see on the wire."""
    index: dict[str, list[Any]] = {}
    for entry in cassette.entries:
        if entry.response is None:  # a recorded failure: the server has no answer to give
            continue
        digest = _messages_digest(m.model_dump() for m in entry.request.messages)
        index.setdefault(digest, []).append(entry)
    return index


def _match(index: dict[str, list[Any]], call: ChatCall) -> Any:
    candidates = index.get(_messages_digest(call.messages), [])
    if len(candidates) > 1:
        by_schema = [e for e in candidates if e.request.json_schema == call.json_schema]
        candidates = by_schema or candidates
    return candidates[0] if candidates else None


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def _completion(fake: FakeOpenAI, call: ChatCall, reply: Reply) -> dict[str, Any]:
    text = reply.text
    if text is None and reply.refusal is None:
        text = "OK"
    prompt_tokens = reply.input_tokens if reply.input_tokens is not None else _estimate_tokens(call.text)
    completion_tokens = (reply.output_tokens if reply.output_tokens is not None
                         else _estimate_tokens(text or reply.refusal or ""))
    message: dict[str, Any] = {"role": "assistant", "content": None if reply.refusal else text,
                               "refusal": reply.refusal}
    tools = call.body.get("tools") if isinstance(call.body, dict) else None
    if tools and reply.refusal is None and reply.finish_reason == "stop":
        name = tools[0].get("function", {}).get("name", "output")
        arguments: Any = text
        if fake.profile is not None and fake.profile.tool_arguments_as_object:
            with contextlib.suppress(ValueError):
                arguments = json.loads(text or "")
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{next(fake._ids)}", "type": "function", "function": {"name": name, "arguments": arguments}}]}
    return {
        "id": f"chatcmpl-fake-{next(fake._ids)}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": reply.model or call.model or fake.model,
        "system_fingerprint": "fp_fake",
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": reply.finish_reason,
        }],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def _stream_body(completion: dict[str, Any]) -> bytes:
    """The completion as server-sent events: one content chunk, a finish chunk, a usage chunk."""
    choice = completion["choices"][0]
    base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    delta = {"role": "assistant", "content": choice["message"]["content"] or ""}
    if choice["message"]["refusal"]:
        delta["refusal"] = choice["message"]["refusal"]
    chunks = [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]},
        {**base, "choices": [], "usage": completion["usage"]},
    ]
    lines = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY, as Go's net/http (Ollama) and asyncio servers (uvicorn: vLLM) set it: without it this
        # handler, which writes an answer's body after its headers, makes a kept-alive client wait ~40 ms
        # (Nagle against delayed ACK) for every answer, a stall those servers don't cause.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read fake.calls instead
            pass

        def _record(self, raw: bytes) -> ChatCall:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            headers = {name.lower(): value for name, value in self.headers.items()}
            call = ChatCall(self.command, self.path, headers, raw, body)
            with fake._lock:
                fake.calls.append(call)
            return call

        def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None,
                  content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _error(self, status: int, message: str, headers: dict[str, str] | None = None,
                   body: dict[str, Any] | None = None) -> None:
            if fake.profile is not None and body is None:
                payload, content_type = fake.profile.error_body(status, message)
                self._send(status, payload, headers, content_type)
                return
            kind = {429: "rate_limit_exceeded", 400: "invalid_request_error"}.get(status, "server_error")
            body = body or {"error": {"message": message, "type": kind, "param": None, "code": kind}}
            self._send(status, json.dumps(body).encode(), headers)

        def _route(self, call: ChatCall) -> bool:
            """A native endpoint of the emulated server (/api/show, /props, /info, ...); True if answered."""
            if fake.profile is None:
                return False
            answer = fake.profile.route(call)
            if answer is None:
                return False
            status, payload = answer
            if status != 200:
                self._error(status, str(payload))
            else:
                self._send(200, json.dumps(payload).encode())
            return True

        def do_GET(self) -> None:
            call = self._record(b"")
            if self._route(call):
                return
            if fake.profile is None and self.path.rstrip("/").endswith("/models"):
                data = {"object": "list",
                        "data": [{"id": fake.model, "object": "model", "created": 0, "owned_by": "fake"}]}
                self._send(200, json.dumps(data).encode())
            else:
                self._error(404, f"fake server: no route GET {self.path}")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            call = self._record(self.rfile.read(length) if length else b"")
            if self._route(call):
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._error(404, f"fake server: no route POST {self.path}")
                return
            if not isinstance(call.body, dict):
                self._error(400, "fake server: request body is not a JSON object")
                return
            reply = fake._answer(call)
            delay = fake.latency_s + reply.delay_s
            if delay:
                time.sleep(delay)
            if reply.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply.raw_body is not None:
                self._send(200, reply.raw_body)
                return
            if reply.status != 200 and reply.error_raw is not None:
                self._send(reply.status, reply.error_raw, reply.headers, reply.content_type)
                return
            if reply.status != 200:
                self._error(reply.status, reply.error or "fake error", reply.headers, reply.error_body)
                return
            completion = _completion(fake, call, reply)
            if call.body.get("stream"):
                self._send(200, _stream_body(completion), reply.headers, "text/event-stream")
            else:
                self._send(200, json.dumps(completion).encode(), reply.headers)

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve a cassette on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m tests.fake_openai", description=__doc__.splitlines()[0])
    parser.add_argument("--cassette", type=Path, help="answer from this cassette")
    parser.add_argument("--port", type=int, default=8099, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="model name reported by /v1/models")
    args = parser.parse_args(argv)
    fake = FakeOpenAI(cassette=args.cassette, latency_s=args.latency, model=args.model, port=args.port)
    print(f"fake OpenAI server on {fake.url} (Ctrl-C stops it)", flush=True)
    try:
        fake._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._server.server_close()


if __name__ == "__main__":
    main()
