"""What one run talks to: the model name, its context window, parameters and output mode.

Resolved once, before the first request, from (in order of precedence) the flags, what the server says
(`reporter.llm.server.discover`), what earlier runs learned (`reporter.llm.profile.ProfileStore`), and
what is known by name (OpenAI's models in the price table; reasoning models' parameters). With --replay,
the cassette says which model, mode and parameters the recorded run used.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from reporter.config import Config
from reporter.errors import ConfigError
from reporter.llm.cache import default_cache_dir
from reporter.llm.names import DEFAULT_MODEL
from reporter.llm.plan import known_window, price_for
from reporter.llm.profile import MODES, ModelProfile, ProfileStore, base_params
from reporter.llm.server import (
    DEFAULT_LOCAL_WINDOW,
    DEFAULT_REMOTE_WINDOW,
    ServerInfo,
    describe_models,
    discover,
    is_local,
)


@dataclass
class Connection:
    """The resolved model, window, parameters and output mode of a run, and how each was found."""

    model: str
    window: int
    window_source: str
    params: dict[str, Any]
    mode: str | None  # None: unknown, the first request probes
    info: ServerInfo = field(default_factory=ServerInfo)
    base_url: str | None = None
    store: ProfileStore | None = None
    profile: ModelProfile = field(default_factory=ModelProfile)

    def learn_window(self, limit: int) -> None:
        """Remember the window a server stated when it refused a request as too long."""
        if self.store is None or limit >= self.window:
            return
        self.profile.context_window = limit
        self.store.save(self.base_url, self.model, self.profile)

    def learn(self, mode: str, dropped: list[str]) -> None:
        """Remember the output mode and refused parameters for this server and model (later runs)."""
        if self.store is None:
            return
        self.profile.mode = mode
        self.profile.dropped = sorted(set(self.profile.dropped) | set(dropped))
        self.store.save(self.base_url, self.model, self.profile)


def _from_cassette(cassette: Any, config: Config, window_tokens: int | None) -> Connection:
    requests = [e.request for e in cassette.entries]
    model = config.model or (Counter(r.model for r in requests).most_common(1)[0][0] if requests
                             else DEFAULT_MODEL)
    first = next((r for r in requests if r.prompt_name == "summary"), requests[0] if requests else None)
    params = dict(first.params) if first else base_params(model, config.reasoning_effort)
    mode = params.pop("response_format", None)
    recorded = getattr(getattr(cassette, "header", None), "context_window", None)
    window = config.context_window or window_tokens or recorded or known_window(model) or price_for(model).context
    return Connection(model=model, window=window, window_source="recorded run", params=params,
                      mode=mode if mode in MODES else None)


def connect(config: Config, *, window_tokens: int | None = None, cassette: Any = None,
            ask_server: bool = True, info: ServerInfo | None = None) -> Connection:
    """Resolve the run's model, window, parameters and mode; `ask_server=False` never touches the network."""
    if cassette is not None:
        return _from_cassette(cassette, config, window_tokens)
    base_url = config.base_url
    key = config.api_key.get_secret_value() if config.api_key else None
    store = ProfileStore(config.cache_dir or default_cache_dir())
    model = config.model
    profile = store.load(base_url, model) if model else ModelProfile()
    # Ask the server once per model: later runs know its window, or that it tells none (`kind` remembered).
    wants_window = (config.context_window is None and window_tokens is None and profile.context_window is None
                    and profile.kind is None)
    if info is None:
        info = ServerInfo()
        if ask_server and base_url and (model is None or wants_window):
            info = discover(base_url, model, key)
    if model is None:
        if base_url and len(info.models) == 1:
            model = info.models[0]
        elif base_url and info.models:
            raise ConfigError(f"{base_url} serves {len(info.models)} models ({describe_models(info.models)}); "
                              "choose one with --model or REPORTER_MODEL")
        else:
            model = DEFAULT_MODEL
        profile = store.load(base_url, model)
    if info.reachable and (info.context_window != profile.context_window or info.kind != profile.kind):
        profile.context_window = info.context_window or profile.context_window
        profile.kind = info.kind
        store.save(base_url, model, profile)
    # An OpenAI model named as such has its known window on any endpoint (a proxy, a gateway).
    known = known_window(model)
    candidates = [(config.context_window, "--context-window"), (window_tokens, "caller"),
                  (info.context_window, info.window_source), (profile.context_window, "learned earlier"),
                  (known, "known model")]
    window, source = next(((w, s) for w, s in candidates if w), (None, ""))
    if window is None:
        if base_url is None:
            window, source = price_for(model).context, "price table default"
        elif is_local(base_url):
            window, source = DEFAULT_LOCAL_WINDOW, "conservative default for a local server"
        else:
            window, source = DEFAULT_REMOTE_WINDOW, "conservative default"
    params = {k: v for k, v in base_params(model, config.reasoning_effort).items() if k not in profile.dropped}
    mode = profile.mode
    if config.other_provider:
        mode = "prompt"  # another LangChain provider: no OpenAI response_format, the schema in the prompt
    elif mode is None and base_url is None:
        mode = "json_schema"  # OpenAI itself: strict structured outputs, nothing to probe
    return Connection(model=model, window=window, window_source=source, params=params, mode=mode, info=info,
                      base_url=base_url, store=store, profile=profile)
