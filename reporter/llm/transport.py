"""The HTTP layer under the model client: every reply is untrusted and bounded before anything reads it.

`BoundedTransport` wraps httpx's transport, so the openai SDK (and LangChain above it) only ever see a
reply that has passed these checks:

- **A whole-request deadline.** `--timeout` bounds one attempt from connect to the last body byte, not
  one socket read: a server dripping one byte a second is cut at the deadline (`httpx.ReadTimeout`, which
  the SDK retries like any timeout, at most `max_retries` times).
- **A cap on reply bytes**, counted on the wire (compressed) and again after decoding, so a gzip bomb is
  stopped after `max_reply_bytes` of output, never expanded whole. Only gzip/deflate are accepted.
- **A checked envelope** for chat completions: no `choices`, a body that is not a JSON object, or a
  nesting too deep to parse is refused for this request only; wrongly typed fields are dropped and
  usage numbers that are negative, absurd or not integers become 0 (the SDK would otherwise warn with
  pydantic paths, or the run would book negative tokens).
- **Secrets redacted**: any configured secret (the API key) echoed anywhere in the reply is replaced by
  `[REDACTED]` before the reply reaches the SDK, hence before the cache, cassettes or the briefing.

A refused reply becomes a synthetic HTTP 502 answer carrying `x-should-retry: false` (the SDK honours it,
so a deterministic refusal is not re-sent) and `x-reporter-refused: <reason>`; `refusal_reason` reads it
back from an `openai.APIStatusError` so the user sees the real reason.

Use `bounded_http_client(...)` to get an `httpx.Client` to hand to `ChatOpenAI(http_client=...)` or
`openai.OpenAI(http_client=...)`.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Iterable
from typing import Any

import httpx

from reporter.redaction import redact_bytes

REFUSED_HEADER = "x-reporter-refused"
DEFAULT_MAX_REPLY_BYTES = 8_000_000
# More tokens than any model's context window: a usage figure beyond this is a server bug or an attack.
MAX_USAGE_TOKENS = 100_000_000
_USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")
_STR_FIELDS = ("id", "model", "object", "system_fingerprint", "service_tier")
_CHOICE_STR_FIELDS = ("finish_reason",)
_MESSAGE_STR_FIELDS = ("role", "content", "refusal", "reasoning_content")


class ReplyRefused(Exception):
    """A reply broke a bound (size, envelope); the message says which. Never leaves this module."""


class BoundedTransport(httpx.BaseTransport):
    """An httpx transport enforcing a whole-request deadline, a reply-size cap, envelope checks and redaction."""

    def __init__(self, inner: httpx.BaseTransport | None = None, *, timeout_s: float,
                 max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES, secrets: Iterable[str] = ()) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.timeout_s = timeout_s
        self.max_reply_bytes = max_reply_bytes
        self.secrets = list(secrets)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Fetch and check the whole reply in a worker thread; give up on it at the deadline."""
        t = self.timeout_s
        request.extensions["timeout"] = {"connect": t, "read": t, "write": t, "pool": t}
        request.headers["Accept-Encoding"] = "gzip, deflate"  # the only encodings decoded under the cap
        box: dict[str, Any] = {}
        done = threading.Event()

        def fetch() -> None:
            try:
                box["response"] = self._fetch(request, box)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread as is
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=fetch, name="reporter-http", daemon=True).start()
        if not done.wait(t):
            box["abandoned"] = True
            _shutdown(box.get("stream"))  # wakes the worker if it is blocked on the socket
            raise httpx.ReadTimeout(f"no complete reply within {t:g} s (--timeout)", request=request)
        if "error" in box:
            raise box["error"]
        return box["response"]

    def _fetch(self, request: httpx.Request, box: dict[str, Any]) -> httpx.Response:
        response = self.inner.handle_request(request)
        box["stream"] = response.extensions.get("network_stream")
        try:
            body = self._read_body(response, box)
        except ReplyRefused as exc:
            return refused(request, str(exc))
        finally:
            response.close()
        if response.status_code == 200 and request.url.path.endswith("/chat/completions"):
            try:
                body = check_completion(body)
            except ReplyRefused as exc:
                return refused(request, str(exc))
        body = redact_bytes(body, self.secrets)
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=body, request=request)

    def _read_body(self, response: httpx.Response, box: dict[str, Any]) -> bytes:
        """The decoded body, refused as soon as its wire size or decoded size passes the cap."""
        cap = self.max_reply_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ReplyRefused(f"reply of {int(declared):,} bytes is over the cap of {cap:,} bytes")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise ReplyRefused(f"reply uses content-encoding {encoding!r}; only gzip and deflate are accepted")
        inflater = None if encoding in ("", "identity") else zlib.decompressobj(zlib.MAX_WBITS | 32)
        wire = 0
        out = bytearray()
        for chunk in response.stream:
            if box.get("abandoned"):
                raise ReplyRefused("abandoned at the deadline")
            wire += len(chunk)
            if wire > cap:
                raise ReplyRefused(f"reply is over the cap of {cap:,} bytes")
            if inflater is None:
                out += chunk
                continue
            data = chunk
            while data:
                try:
                    out += inflater.decompress(data, cap + 1 - len(out))
                except zlib.error as exc:
                    raise ReplyRefused(f"reply body is not valid {encoding} data") from exc
                if len(out) > cap:
                    raise ReplyRefused(f"reply expands to over the cap of {cap:,} bytes ({encoding} compressed)")
                data = inflater.unconsumed_tail
                if inflater.eof:
                    break
        return bytes(out)

    def close(self) -> None:
        self.inner.close()


def check_completion(body: bytes) -> bytes:
    """A chat-completion envelope the SDK can read without surprises, or ReplyRefused naming the fault."""
    try:
        data = json.loads(body)
    except RecursionError as exc:
        raise ReplyRefused("reply JSON is nested too deeply") from exc
    except ValueError:
        return body  # not JSON at all (e.g. an SSE stream or an HTML error page): the SDK reports it
    if not isinstance(data, dict):
        raise ReplyRefused("reply is not a JSON object")
    if "error" in data and "choices" not in data:
        return body  # an error envelope: the SDK reports it
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not all(isinstance(c, dict) for c in choices):
        raise ReplyRefused('reply has no "choices"')
    for key in _STR_FIELDS:
        if key in data and not isinstance(data[key], str):
            del data[key]
    if not isinstance(data.get("created"), int) or isinstance(data.get("created"), bool):
        data.pop("created", None)
    data["usage"] = _clean_usage(data.get("usage"))
    for choice in choices:
        for key in _CHOICE_STR_FIELDS:
            if key in choice and not isinstance(choice[key], str):
                choice[key] = None
        if not isinstance(choice.get("index"), int):
            choice.pop("index", None)
        message = choice.get("message")
        if not isinstance(message, dict):
            raise ReplyRefused('reply choice has no "message" object')
        for key in _MESSAGE_STR_FIELDS:
            if key in message and message[key] is not None and not isinstance(message[key], str):
                message[key] = json.dumps(message[key]) if key == "content" else None
    if choices[0]["message"].get("content") is None and choices[0]["message"].get("refusal") is None \
            and not choices[0]["message"].get("tool_calls"):
        choices[0]["message"]["content"] = ""
    return json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _clean_usage(usage: Any) -> dict[str, int] | None:
    """Token counts as non-negative integers below MAX_USAGE_TOKENS; anything else counts as 0."""
    if not isinstance(usage, dict):
        return None
    clean = {}
    for key in _USAGE_KEYS:
        value = usage.get(key)
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_USAGE_TOKENS
        clean[key] = value if ok else 0
    return clean


def refused(request: httpx.Request, reason: str) -> httpx.Response:
    """The synthetic answer for a refused reply: 502, not to be retried, with the reason in a header."""
    body = json.dumps({"error": {"message": f"reply refused by reporter: {reason}", "type": "reply_refused"}})
    headers = {"content-type": "application/json", "x-should-retry": "false",
               REFUSED_HEADER: reason.encode("ascii", "replace").decode()}
    return httpx.Response(502, headers=headers, content=body.encode(), request=request)


def refusal_reason(exc: BaseException) -> str | None:
    """The reason reporter refused a reply, if `exc` (an openai.APIStatusError) came from a refusal."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    return headers.get(REFUSED_HEADER) if headers is not None else None


def _shutdown(stream: Any) -> None:
    """Shut the socket under an httpcore network stream, so a blocked read returns at once."""
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        try:
            import socket

            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def bounded_http_client(*, timeout_s: float, max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
                        secrets: Iterable[str] = ()) -> httpx.Client:
    """An httpx.Client whose every transport (proxies from the environment included) is bounded."""
    secrets = list(secrets)

    def wrap(inner: httpx.BaseTransport | None) -> BoundedTransport:
        return BoundedTransport(inner, timeout_s=timeout_s, max_reply_bytes=max_reply_bytes, secrets=secrets)

    client = httpx.Client(transport=wrap(None), timeout=timeout_s, follow_redirects=True)
    mounts = getattr(client, "_mounts", None)
    if isinstance(mounts, dict):  # proxies from the environment get their own transports: bound them too
        for pattern, inner in list(mounts.items()):
            if inner is not None and not isinstance(inner, BoundedTransport):
                mounts[pattern] = wrap(inner)
    return client
