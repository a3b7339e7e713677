"""What the configured server is and serves: its models, their context window, whether it is local.

Asked once per run, before the first model request, with plain GETs (and Ollama's one POST), each
bounded by a short timeout; a failure of any of them only means "unknown", never a failed run.
They go through the standard library's `http.client` (`_Server`), not httpx: importing httpx costs a
tenth of a second or more (httpcore loads trio and anyio when they are installed), and a run answered
from the result cache (`reporter.llm.results`) needs nothing else of it.

* `/v1/models` lists the served models (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, TGI all have it);
  vLLM adds `max_model_len` to each entry.
* Ollama: `POST /api/show {"model": name}` gives the model's trained context (`<arch>.context_length`)
  and any `num_ctx` set in its Modelfile. Its OpenAI-compatible endpoint cannot change `num_ctx` and
  silently truncates the prompt beyond it (ollama/ollama#5902, #4447; 4096 tokens by default in current
  releases, 2048 before), so the window used is `num_ctx` if set, else that default.
* llama.cpp: `GET /props` gives `default_generation_settings.n_ctx`, the context the server was started with.
* LM Studio: `GET /api/v0/models` gives `loaded_context_length` / `max_context_length`.
* TGI: `GET /info` gives `max_input_tokens` (older: `max_input_length`) and `max_total_tokens`.
* OpenAI's models: the bundled price table knows their windows.
Anything else gets a conservative default; `--context-window` overrides all of it.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_LOCAL_WINDOW = 8192  # a local server that says nothing (Ollama, llama.cpp, LM Studio, TGI, vLLM do)
DEFAULT_REMOTE_WINDOW = 8192  # unknown hosted model
OLLAMA_DEFAULT_NUM_CTX = 4096
PROBE_TIMEOUT_S = 5.0
MAX_ANSWER_BYTES = 4_000_000  # a model list or a settings page; anything larger is not one


def is_local(base_url: str | None) -> bool:
    """A loopback, private-network or link-local host (or `localhost`, `*.local`): a server on the user's
    own machine or network, usually one request at a time and slow, so it gets longer timeouts."""
    if not base_url:
        return False
    host = (urlsplit(base_url).hostname or "").lower()
    if host in ("localhost", "host.docker.internal") or host.endswith((".local", ".localhost", ".internal")):
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return addr.is_loopback or addr.is_private or addr.is_link_local


def server_root(base_url: str) -> str:
    """The server's root URL: the base URL without a trailing `/v1` (where native endpoints live)."""
    parts = urlsplit(base_url.rstrip("/"))
    path = parts.path[:-3] if parts.path.endswith("/v1") else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass
class ServerInfo:
    """What discovery found; every field may be unknown."""

    reachable: bool = False
    kind: str = "unknown"  # openai-compatible flavour: ollama, vllm, llama.cpp, lmstudio, tgi, openai
    models: list[str] = field(default_factory=list)
    context_window: int | None = None
    window_source: str = ""
    error: str | None = None  # why the server could not be reached or listed


class _Server:
    """One keep-alive connection to the server for discovery's few requests; redirects are not followed
    and no proxy is used (as before with httpx and `trust_env` off); HTTPS checks certificates against
    certifi's bundle, as httpx and the openai SDK do."""

    def __init__(self, base_url: str, api_key: str | None, timeout_s: float) -> None:
        parts = urlsplit(base_url)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname or "", parts.port
        self.headers = {"Accept": "application/json", "User-Agent": "reporter"}
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"
        self.timeout_s = timeout_s
        self._conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.https:
            import ssl

            try:
                import certifi

                context = ssl.create_default_context(cafile=certifi.where())
            except ImportError:
                context = ssl.create_default_context()
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout_s, context=context)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)

    def request(self, url: str, payload: Any = None) -> tuple[int, bytes]:
        """(status, body) of a GET, or of a POST of `payload` as JSON; OSError or HTTPException if the
        server can't be reached or breaks the exchange; a body over MAX_ANSWER_BYTES is cut there."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        headers = dict(self.headers, **({"Content-Type": "application/json"} if body is not None else {}))
        for attempt in (1, 2):
            reused = self._conn is not None
            conn = self._conn or self._connect()
            self._conn = None
            try:
                conn.request("POST" if body is not None else "GET", target, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read(MAX_ANSWER_BYTES + 1)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if reused and attempt == 1:  # the server closed an idle kept-alive connection: open another
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            if len(data) > MAX_ANSWER_BYTES or response.will_close:
                conn.close()
            else:
                self._conn = conn
            return response.status, data[:MAX_ANSWER_BYTES]
        raise AssertionError("unreachable")  # pragma: no cover

    def json(self, url: str, payload: Any = None) -> Any | None:
        """The JSON answer, or None on any failure (probing: a failure means "unknown")."""
        try:
            status, data = self.request(url, payload)
        except (OSError, http.client.HTTPException, ValueError):
            return None
        return _json(data) if status == 200 else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _json(data: bytes) -> Any | None:
    try:
        return json.loads(data)
    except ValueError:
        return None


def _ollama_window(show: dict[str, Any]) -> int | None:
    params = str(show.get("parameters") or "")
    for line in params.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "num_ctx" and parts[1].isdigit():
            return int(parts[1])
    info = show.get("model_info") or {}
    trained = next((v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)), None)
    return min(trained, OLLAMA_DEFAULT_NUM_CTX) if trained else OLLAMA_DEFAULT_NUM_CTX


def discover(base_url: str | None, model: str | None, api_key: str | None = None,
             timeout_s: float = PROBE_TIMEOUT_S) -> ServerInfo:
    """Ask the server what it serves and how large the model's window is (see the module doc)."""
    info = ServerInfo()
    if not base_url:
        info.kind = "openai"
        return info
    root = server_root(base_url)
    client = _Server(base_url, api_key, timeout_s)
    try:
        try:
            status, body = client.request(base_url.rstrip("/") + "/models")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            info.error = f"cannot reach {base_url}: {type(exc).__name__}: {exc}"
            return info
        info.reachable = True
        listing: Any = None
        if status == 200:
            listing = _json(body)
        else:
            info.error = f"GET {base_url.rstrip('/')}/models answered HTTP {status}"
        entries = listing.get("data") if isinstance(listing, dict) else None
        entries = [e for e in entries or [] if isinstance(e, dict) and isinstance(e.get("id"), str)]
        info.models = [e["id"] for e in entries]
        entry = next((e for e in entries if e["id"] == model), entries[0] if len(entries) == 1 else None)
        owned = str((entry or {}).get("owned_by") or "").lower()
        if entry and isinstance(entry.get("max_model_len"), int):  # vLLM's model card
            info.kind, info.context_window, info.window_source = "vllm", entry["max_model_len"], "max_model_len"
            return info
        name = model or (info.models[0] if len(info.models) == 1 else None)
        if name and (show := client.json(root + "/api/show", {"model": name})) and isinstance(show, dict):
            info.kind, info.context_window = "ollama", _ollama_window(show)
            info.window_source = "ollama /api/show (num_ctx)"
            return info
        props = client.json(root + "/props")
        if isinstance(props, dict) and isinstance(props.get("default_generation_settings"), dict):
            n_ctx = props["default_generation_settings"].get("n_ctx")
            info.kind = "llama.cpp"
            if isinstance(n_ctx, int) and n_ctx > 0:
                info.context_window, info.window_source = n_ctx, "llama.cpp /props n_ctx"
            return info
        lms = client.json(root + "/api/v0/models")
        if isinstance(lms, dict) and isinstance(lms.get("data"), list) and any(
                isinstance(e, dict) and ("max_context_length" in e or "state" in e) for e in lms["data"]):
            info.kind = "lmstudio"
            for e in lms["data"]:
                if isinstance(e, dict) and e.get("id") == name:
                    window = e.get("loaded_context_length") or e.get("max_context_length")
                    if isinstance(window, int) and window > 0:
                        info.context_window, info.window_source = window, "LM Studio /api/v0/models"
            return info
        tgi = client.json(root + "/info")
        if isinstance(tgi, dict) and ("max_total_tokens" in tgi or "max_input_tokens" in tgi):
            info.kind = "tgi"
            window = tgi.get("max_total_tokens") or tgi.get("max_input_tokens") or tgi.get("max_input_length")
            if isinstance(window, int) and window > 0:
                info.context_window, info.window_source = window, "TGI /info max_total_tokens"
            return info
        if owned in ("openai", "system", "openai-internal"):
            info.kind = "openai"
    finally:
        client.close()
    return info


def describe_models(models: list[str], limit: int = 12) -> str:
    """`a, b, c` (and N more): a model list for one line of an error message."""
    shown = ", ".join(models[:limit])
    return shown + (f" and {len(models) - limit} more" if len(models) > limit else "") if models else "none"

