"""Local response cache: SQLite in the user's cache folder, keyed by `ModelRequest.key()`.

Identical requests (model, messages, schema, parameters) are answered from disk, so a re-run costs
nothing and an interrupted run resumes where it stopped. Only responses are stored (never keys or
headers); each write is its own transaction, so a crash loses at most the request in flight.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from pathlib import Path

import platformdirs

from reporter.errors import ConfigError
from reporter.llm.protocol import ModelRequest, ModelResponse

_SCHEMA = """CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, prompt TEXT NOT NULL, source_id TEXT, response TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT (datetime('now')))"""
# Responses kept: the newest written. Summaries of a few KB each, so at most some tens of MB on disk; without a
# bound the cache of a daily monitoring run would grow for ever.
KEPT_RESPONSES = 20_000


def keep_newest(db: sqlite3.Connection, table: str, kept: int) -> None:
    """Drop all but the `kept` rows of `table` written last (rowid order: INSERT OR REPLACE renews it)."""
    db.execute(f"DELETE FROM {table} WHERE rowid NOT IN (SELECT rowid FROM {table} ORDER BY rowid DESC LIMIT ?)",
               (kept,))


CACHE_FILE = "llm-cache.sqlite3"  # one SQLite file holds responses, results and server profiles


def default_cache_dir() -> Path:
    """`$REPORTER_CACHE_DIR`, else the per-user cache folder on this OS (e.g. ~/.cache/reporter)."""
    if folder := os.environ.get("REPORTER_CACHE_DIR"):
        return Path(folder)
    return Path(platformdirs.user_cache_dir("reporter", appauthor=False))


def open_cache(directory: Path | None) -> ResponseCache | None:
    """The cache, or None (said once on stderr) when it can't be opened: a cache is never worth a failed run."""
    try:
        return ResponseCache(directory)
    except ConfigError as exc:
        print(f"reporter: warning: {exc}; continuing without the cache", file=sys.stderr)
        return None


class ResponseCache:
    """A thread-safe SQLite map from request key to response; a failing disk turns it off, not the run."""

    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or default_cache_dir()) / CACHE_FILE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"{self.path}: cannot open the response cache: {exc}") from exc
        self._trim()
        self._lock = threading.Lock()
        self._broken = False

    def _trim(self) -> None:
        """Keep the newest KEPT_RESPONSES responses (once per run, when the cache is opened)."""
        try:
            (count,) = self._db.execute("SELECT count(*) FROM responses").fetchone()
            if count > KEPT_RESPONSES:
                keep_newest(self._db, "responses", KEPT_RESPONSES)
        except sqlite3.Error:  # busy with another run, say: trimming can wait for the next one
            pass

    def _run(self, sql: str, args: tuple) -> list:
        """Execute under the lock; on a database error warn once and act as an empty cache from then on."""
        with self._lock:
            if self._broken:
                return []
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                self._broken = True
                print(f"reporter: warning: {self.path}: response cache failed ({exc}); continuing without it",
                      file=sys.stderr)
                return []

    def get(self, request: ModelRequest) -> ModelResponse | None:
        """The cached response to this exact request, or None (a damaged row counts as a miss)."""
        rows = self._run("SELECT response FROM responses WHERE key = ?", (request.key(),))
        if not rows:
            return None
        try:
            return ModelResponse.model_validate_json(rows[0][0])
        except ValueError:
            return None

    def put(self, request: ModelRequest, response: ModelResponse) -> None:
        """Store the response to this request."""
        self._run("INSERT OR REPLACE INTO responses (key, prompt, source_id, response) VALUES (?, ?, ?, ?)",
                  (request.key(), request.prompt_name, request.source_id, response.model_dump_json()))

    def forget(self, request: ModelRequest) -> None:
        """Drop the response to this request (it failed validation: a re-run must ask again)."""
        self._run("DELETE FROM responses WHERE key = ?", (request.key(),))

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
