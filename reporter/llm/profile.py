"""What reporter knows or has learned about one model on one server: parameters and output mode.

Parameters per model (OpenAI's reasoning guide): reasoning models (o1, o3, o4-mini, the gpt-5 family)
reject any `temperature` but the default ("Unsupported value: 'temperature' does not support 0 with this
model. Only the default (1) value is supported."), reject `max_tokens` (they take
`max_completion_tokens`) and accept `reasoning_effort`. Other models get `temperature: 0`.

Output modes form a ladder, best first:

    json_schema   response_format json_schema, strict (OpenAI, vLLM, Ollama, llama.cpp, LM Studio)
    json_object   JSON mode, the schema stated in the prompt (servers without json_schema)
    tools         one forced function call whose parameters are the schema (TGI accepts tools but
                  neither OpenAI-shaped response_format: huggingface/text-generation-inference#2899)
    prompt        no constraint at all: the schema in the prompt, the answer read tolerantly

A server's first 400/422 to a structured request moves the run one rung down; a 400 that names a
parameter drops that parameter. Both are remembered per base URL and model in the cache database, so
later runs start where the last one ended and skip the probing.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reporter.llm.cache import CACHE_FILE

MODES = ("json_schema", "json_object", "tools", "prompt")
_REASONING = re.compile(r"^(?:openai[:/])?(?:o\d(?:-mini|-pro|-preview)?(?:-|$)|gpt-5)", re.IGNORECASE)
_SCHEMA = """CREATE TABLE IF NOT EXISTS model_profiles (
    base_url TEXT NOT NULL, model TEXT NOT NULL, profile TEXT NOT NULL,
    updated TEXT NOT NULL DEFAULT (datetime('now')), PRIMARY KEY (base_url, model))"""


def is_reasoning_model(model: str) -> bool:
    """An OpenAI reasoning model by name: o1, o3, o4-mini, gpt-5, gpt-5-mini, ... (dated variants too)."""
    return bool(_REASONING.match(model.strip()))


def base_params(model: str, reasoning_effort: str | None = None) -> dict[str, Any]:
    """The sampling parameters sent with every request to `model`."""
    if is_reasoning_model(model):
        return {"reasoning_effort": reasoning_effort} if reasoning_effort else {}
    params: dict[str, Any] = {"temperature": 0}
    if reasoning_effort:  # other reasoning-capable servers (vLLM, Ollama gpt-oss) accept it too
        params["reasoning_effort"] = reasoning_effort
    return params


@dataclass
class ModelProfile:
    """The learned settings of one (base URL, model): output mode, parameters the server refused."""

    mode: str | None = None  # None: not learned yet, start at the top of the ladder and probe
    dropped: list[str] = field(default_factory=list)
    context_window: int | None = None
    kind: str | None = None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelProfile:
        data = json.loads(text)
        mode = data.get("mode") if data.get("mode") in MODES else None
        dropped = [str(p) for p in data.get("dropped") or [] if isinstance(p, str)]
        window = data.get("context_window") if isinstance(data.get("context_window"), int) else None
        kind = data.get("kind") if isinstance(data.get("kind"), str) else None
        return cls(mode=mode, dropped=dropped, context_window=window, kind=kind)


def endpoint_key(base_url: str | None) -> str:
    return (base_url or "https://api.openai.com/v1").rstrip("/")


class ProfileStore:
    """Profiles in the cache folder's SQLite database; any database trouble means "nothing remembered"."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CACHE_FILE

    def _connect(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            db.execute(_SCHEMA)
            return db
        except (OSError, sqlite3.Error):
            return None

    def load(self, base_url: str | None, model: str) -> ModelProfile:
        if not self.path.exists():  # nothing learned yet; reading must not create the cache folder
            return ModelProfile()
        db = self._connect()
        if db is None:
            return ModelProfile()
        try:
            row = db.execute("SELECT profile FROM model_profiles WHERE base_url = ? AND model = ?",
                             (endpoint_key(base_url), model)).fetchone()
            return ModelProfile.from_json(row[0]) if row else ModelProfile()
        except (sqlite3.Error, ValueError, TypeError, AttributeError):
            return ModelProfile()
        finally:
            db.close()

    def save(self, base_url: str | None, model: str, profile: ModelProfile) -> None:
        db = self._connect()
        if db is None:
            return
        try:
            db.execute("INSERT OR REPLACE INTO model_profiles (base_url, model, profile) VALUES (?, ?, ?)",
                       (endpoint_key(base_url), model, profile.to_json()))
        except sqlite3.Error:
            pass
        finally:
            db.close()
