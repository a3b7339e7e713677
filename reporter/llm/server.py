"""What the configured server is and serves: its models, their context window, whether it is local.

Asked once per run, before the first model request, with plain GETs (and Ollama's one POST), each
bounded by a short timeout; a failure of any of them only means "unknown", never a failed run.

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

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_LOCAL_WINDOW = 8192  # a local server that says nothing (Ollama, llama.cpp, LM Studio, TGI, vLLM do)
DEFAULT_REMOTE_WINDOW = 8192  # unknown hosted model
OLLAMA_DEFAULT_NUM_CTX = 4096
PROBE_TIMEOUT_S = 5.0


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


def _get(client: Any, url: str, **kw: Any) -> Any | None:
    """JSON from a GET (or POST with `json=`), or None on any failure."""
    try:
        response = client.post(url, **kw) if "json" in kw else client.get(url, **kw)
    except Exception:  # noqa: BLE001 - probing: any failure means "unknown"
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
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
    import httpx  # the openai SDK's own HTTP client

    info = ServerInfo()
    if not base_url:
        info.kind = "openai"
        return info
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    root = server_root(base_url)
    with httpx.Client(timeout=timeout_s, headers=headers, follow_redirects=False, trust_env=False) as client:
        try:
            response = client.get(base_url.rstrip("/") + "/models")
        except httpx.HTTPError as exc:
            info.error = f"cannot reach {base_url}: {type(exc).__name__}: {exc}"
            return info
        info.reachable = True
        listing: Any = None
        if response.status_code == 200:
            try:
                listing = response.json()
            except ValueError:
                listing = None
        else:
            info.error = f"GET {base_url.rstrip('/')}/models answered HTTP {response.status_code}"
        entries = listing.get("data") if isinstance(listing, dict) else None
        entries = [e for e in entries or [] if isinstance(e, dict) and isinstance(e.get("id"), str)]
        info.models = [e["id"] for e in entries]
        entry = next((e for e in entries if e["id"] == model), entries[0] if len(entries) == 1 else None)
        owned = str((entry or {}).get("owned_by") or "").lower()
        if entry and isinstance(entry.get("max_model_len"), int):  # vLLM's model card
            info.kind, info.context_window, info.window_source = "vllm", entry["max_model_len"], "max_model_len"
            return info
        name = model or (info.models[0] if len(info.models) == 1 else None)
        if name and (show := _get(client, root + "/api/show", json={"model": name})) and isinstance(show, dict):
            info.kind, info.context_window = "ollama", _ollama_window(show)
            info.window_source = "ollama /api/show (num_ctx)"
            return info
        props = _get(client, root + "/props")
        if isinstance(props, dict) and isinstance(props.get("default_generation_settings"), dict):
            n_ctx = props["default_generation_settings"].get("n_ctx")
            info.kind = "llama.cpp"
            if isinstance(n_ctx, int) and n_ctx > 0:
                info.context_window, info.window_source = n_ctx, "llama.cpp /props n_ctx"
            return info
        lms = _get(client, root + "/api/v0/models")
        if isinstance(lms, dict) and isinstance(lms.get("data"), list) and any(
                isinstance(e, dict) and ("max_context_length" in e or "state" in e) for e in lms["data"]):
            info.kind = "lmstudio"
            for e in lms["data"]:
                if isinstance(e, dict) and e.get("id") == name:
                    window = e.get("loaded_context_length") or e.get("max_context_length")
                    if isinstance(window, int) and window > 0:
                        info.context_window, info.window_source = window, "LM Studio /api/v0/models"
            return info
        tgi = _get(client, root + "/info")
        if isinstance(tgi, dict) and ("max_total_tokens" in tgi or "max_input_tokens" in tgi):
            info.kind = "tgi"
            window = tgi.get("max_total_tokens") or tgi.get("max_input_tokens") or tgi.get("max_input_length")
            if isinstance(window, int) and window > 0:
                info.context_window, info.window_source = window, "TGI /info max_total_tokens"
            return info
        if owned in ("openai", "system", "openai-internal"):
            info.kind = "openai"
    return info


def describe_models(models: list[str], limit: int = 12) -> str:
    """`a, b, c` (and N more): a model list for one line of an error message."""
    shown = ", ".join(models[:limit])
    return shown + (f" and {len(models) - limit} more" if len(models) > limit else "") if models else "none"

