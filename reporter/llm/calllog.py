"""The call log: every request sent to a live model, answered or failed, in SQLite (`reporter logs`).

Like simonw/llm's `llm logs`: one row per HTTP attempt with the time, server, model, prompt name, source,
the messages sent (JSON), the output mode and parameters, the answer or the error, latency and tokens.
Never the API key: the request body holds none, and error texts are redacted before they get here.
The database lives in the user's data folder (`$REPORTER_LOGS` overrides the file); a failing disk turns
logging off with one warning, never the run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

import platformdirs

from reporter.llm.protocol import ModelRequest, ModelResponse

_SCHEMA = """CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY, created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    server TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, source_id TEXT, mode TEXT,
    params TEXT, messages TEXT NOT NULL, response TEXT, error TEXT, finish_reason TEXT,
    latency_ms INTEGER, input_tokens INTEGER, output_tokens INTEGER)"""


def default_log_path() -> Path:
    """`$REPORTER_LOGS`, else logs.db in the per-user data folder (e.g. ~/.local/share/reporter)."""
    if path := os.environ.get("REPORTER_LOGS"):
        return Path(path)
    return Path(platformdirs.user_data_dir("reporter", appauthor=False)) / "logs.db"


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
    db.execute(_SCHEMA)
    return db


class CallLog:
    """Appends one row per model call; thread-safe."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_log_path()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            self._db = _connect(self.path)
        except (OSError, sqlite3.Error) as exc:
            print(f"reporter: warning: {self.path}: cannot open the call log ({exc}); calls are not logged",
                  file=sys.stderr)

    def record(self, request: ModelRequest, body: dict[str, Any], *, server: str, latency_s: float,
               response: ModelResponse | None = None, error: str | None = None) -> None:
        """Log one attempt: what was sent, and the answer or the error."""
        if self._db is None:
            return
        params = {k: v for k, v in body.items() if k not in ("messages", "model", "tools", "response_format")}
        row = (server, str(body.get("model") or request.model), request.prompt_name, request.source_id,
               str(request.params.get("response_format") or ""), json.dumps(params, sort_keys=True),
               json.dumps(body.get("messages"), ensure_ascii=False), response.text if response else None, error,
               response.finish_reason if response else None, int(latency_s * 1000),
               response.input_tokens if response else None, response.output_tokens if response else None)
        with self._lock:
            try:
                self._db.execute("INSERT INTO calls (server, model, prompt, source_id, mode, params, messages, "
                                 "response, error, finish_reason, latency_ms, input_tokens, output_tokens) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            except sqlite3.Error as exc:
                print(f"reporter: warning: {self.path}: call log failed ({exc}); no more calls are logged",
                      file=sys.stderr)
                self._db = None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def read_calls(path: Path | None = None, limit: int = 20, errors_only: bool = False,
               model: str | None = None) -> list[dict[str, Any]]:
    """The latest calls, newest first, as dicts (for `reporter logs`)."""
    path = path or default_log_path()
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        where, args = [], []
        if errors_only:
            where.append("error IS NOT NULL")
        if model:
            where.append("model = ?")
            args.append(model)
        sql = "SELECT * FROM calls" + (" WHERE " + " AND ".join(where) if where else "")
        rows = db.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [dict(r) for r in rows]
    finally:
        db.close()
