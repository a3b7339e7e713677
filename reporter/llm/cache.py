"""Local response cache: SQLite in the user's cache folder, keyed by `ModelRequest.key()`.

Identical requests (model, messages, schema, parameters) are answered from disk, so a re-run costs
nothing and an interrupted run resumes where it stopped. Only responses are stored (never keys or
headers); each write is its own transaction, so a crash loses at most the request in flight.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import platformdirs

from reporter.errors import ConfigError
from reporter.llm.protocol import ModelRequest, ModelResponse

_SCHEMA = """CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, prompt TEXT NOT NULL, source_id TEXT, response TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT (datetime('now')))"""


def default_cache_dir() -> Path:
    """`$REPORTER_CACHE_DIR`, else the per-user cache folder on this OS (e.g. ~/.cache/reporter)."""
    if folder := os.environ.get("REPORTER_CACHE_DIR"):
        return Path(folder)
    return Path(platformdirs.user_cache_dir("reporter", appauthor=False))


class ResponseCache:
    """A thread-safe SQLite map from request key to response."""

    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or default_cache_dir()) / "llm-cache.sqlite3"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"{self.path}: cannot open the response cache: {exc}") from exc
        self._lock = threading.Lock()

    def get(self, request: ModelRequest) -> ModelResponse | None:
        """The cached response to this exact request, or None (a damaged row counts as a miss)."""
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (request.key(),)).fetchone()
        if row is None:
            return None
        try:
            return ModelResponse.model_validate_json(row[0])
        except ValueError:
            return None

    def put(self, request: ModelRequest, response: ModelResponse) -> None:
        """Store the response to this request."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, prompt, source_id, response) VALUES (?, ?, ?, ?)",
                (request.key(), request.prompt_name, request.source_id, response.model_dump_json()),
            )

    def forget(self, request: ModelRequest) -> None:
        """Drop the response to this request (it failed validation: a re-run must ask again)."""
        with self._lock:
            self._db.execute("DELETE FROM responses WHERE key = ?", (request.key(),))

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
