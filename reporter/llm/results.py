"""Finished LLM-mode briefings, cached: a re-run with nothing changed answers without the engine or the model.

The response cache (`reporter.llm.cache`) answers a repeated request, but a re-run still read, analysed
and summarised every article again before it could ask (seconds at 20 articles, and the model client's
imports). So the briefing itself is kept too, before the editor's decisions (applied on every run), in the
same cache database, under a key (`result_key`) made of everything it is made from:

* the sources as read (paths, texts, metadata) and the problems met reading the inputs;
* the settings that shape the result: the whole configuration except what changes only how a run goes
  (API key, timeouts, retries, concurrency, caps, logging, where the cache is, what Markdown hides);
* the connection as resolved before the first request (model, context window, parameters, output mode),
  by the same `connect` a live run uses, so a server that now serves another model is a miss;
* the prompt templates' files, reporter's own files (code and data), the installed distributions'
  names and versions, and the Python version: an upgrade or an edited template never meets an old result.

Only a run that would come out the same again from the response cache is stored: one in which no model
step failed (`LlmResult.problems` empty). Its usage is stored as a re-run from the response cache reports
it: every answer cached, nothing sent. --no-cache, --record and --replay runs neither read nor write
results (a recording must see every request; a replay answers from its cassette). Each entry is written in
one SQLite transaction, so a crash never leaves half a result; an unreadable entry is a miss.

The HTML page of a Markdown briefing is kept the same way (`cached_html`), keyed by the Markdown, the
title and the same files: turning Markdown into sanitised HTML is most of what a fully cached run would
still compute, and it is a pure function of those.

Importing this module loads neither the evidence engine nor the model client.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from reporter.config import Config
from reporter.llm.cache import CACHE_FILE, keep_newest
from reporter.models import Brief, Problem, Source, Usage
from reporter.redaction import contains_secret

if TYPE_CHECKING:
    from reporter.llm.connect import Connection

KEPT = 32  # newest briefings kept; each holds its sources' texts, so the table must not grow without bound
_SCHEMA = """CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY, brief TEXT NOT NULL, created TEXT NOT NULL DEFAULT (datetime('now')))"""
_PAGES = """CREATE TABLE IF NOT EXISTS pages (
    key TEXT PRIMARY KEY, html TEXT NOT NULL, created TEXT NOT NULL DEFAULT (datetime('now')))"""
# Settings that change how a run goes, never what a successful one writes.
_NOT_IN_KEY = {"api_key", "timeout_s", "max_retries", "concurrency", "call_log", "use_cache", "cache_dir",
               "record", "replay", "dry_run", "hide_dismissed"}
_LIMITS_NOT_IN_KEY = {"max_requests", "max_tokens"}  # caps on what is sent: a cached answer sends nothing


def usable(config: Config) -> bool:
    """Whether this run may read and write cached results (see the module doc)."""
    return config.llm_configured and config.use_cache and config.record is None and config.replay is None


def _tree_digest(root: Path, digest: hashlib._Hash, skip: tuple[str, ...] = ("__pycache__",)) -> None:
    """Every file under `root` (relative name and bytes), in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skip)
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(folder, name)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            digest.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
            digest.update(data)


@cache
def code_fingerprint() -> str:
    """reporter's own files, the installed distributions (name-version) and the Python version."""
    digest = hashlib.sha256(sys.version.encode())
    _tree_digest(Path(__file__).resolve().parents[1], digest)
    for entry in sys.path:  # where distributions are installed; not the current folder (`python -m`)
        if not entry.endswith(("site-packages", "dist-packages")):
            continue
        try:
            names = sorted(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        digest.update("\0".join(names).encode())
    return digest.hexdigest()


def prompts_fingerprint() -> str:
    """The prompt templates' files, in the folder `load_prompt` reads."""
    from reporter.llm.prompts import PROMPTS_DIR

    digest = hashlib.sha256()
    _tree_digest(PROMPTS_DIR, digest)
    return digest.hexdigest()


def result_key(sources: Sequence[Source], problems: Sequence[Problem], config: Config, model: str,
               window: int | None, params: dict, mode: str | None) -> str:
    """The key of the briefing these inputs, settings, connection and files make (see the module doc)."""
    settings = config.model_dump(mode="json", exclude=_NOT_IN_KEY)
    settings["limits"] = {k: v for k, v in settings["limits"].items() if k not in _LIMITS_NOT_IN_KEY}
    digest = hashlib.sha256()
    for part in (code_fingerprint(), prompts_fingerprint(),
                 json.dumps({"settings": settings, "model": model, "window": window, "params": params,
                             "mode": mode}, sort_keys=True)):
        digest.update(part.encode("utf-8") + b"\0")
    for item in (*sources, *problems):
        digest.update(type(item).__name__.encode() + b"\0" + item.model_dump_json().encode("utf-8") + b"\0")
    return digest.hexdigest()


def connection_key(sources: Sequence[Source], problems: Sequence[Problem], config: Config,
                   conn: Connection) -> str:
    """`result_key` of a run about to start on `conn`."""
    return result_key(sources, problems, config, conn.model, conn.window, conn.params, conn.mode)


# The key the last run of this process stored its briefing under (None: it stored none); see `rerun_page`.
last_stored: str | None = None


def rerun_page(brief: Brief, config: Config) -> None:
    """After a run that stored its briefing: convert now the HTML page its re-run will write (the same
    briefing, its footer counting every answer as cached), so the re-run converts no Markdown at all.
    `brief` is the briefing as written, the editor's decisions applied."""
    to_html = cached_html(config)
    if last_stored is None or to_html is None:
        return
    from reporter.render import render_markdown

    rerun = as_rerun(brief)
    to_html(render_markdown(rerun, config), f"Briefing: {rerun.event}")


def as_rerun(brief: Brief) -> Brief:
    """The stored form of a finished briefing: its usage as a re-run from the response cache reports it."""
    usage = brief.run.usage
    rerun = Usage(cached=usage.requests + usage.cached)
    return brief.model_copy(update={"run": brief.run.model_copy(update={"usage": rerun, "duration_s": None})})


class ResultCache:
    """Briefings by `result_key`, in the response cache's SQLite database; any trouble is a miss."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CACHE_FILE

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if not create and not self.path.exists():  # a lookup must not create the cache folder
            return None
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            db.execute(_SCHEMA)
            db.execute(_PAGES)
            return db
        except (OSError, sqlite3.Error):
            return None

    def get(self, key: str) -> Brief | None:
        """The briefing stored under `key`, or None (missing, unreadable or not a valid briefing)."""
        text = self._read("SELECT brief FROM results WHERE key = ?", key)
        if text is None:
            return None
        try:
            return Brief.model_validate_json(text)
        except ValueError:
            return None

    def _read(self, sql: str, key: str) -> str | None:
        db = self._connect(create=False)
        if db is None:
            return None
        try:
            row = db.execute(sql, (key,)).fetchone()
        except sqlite3.Error:
            return None
        finally:
            db.close()
        return row[0] if row and isinstance(row[0], str) else None

    def put(self, key: str, brief: Brief, secret: str | None = None) -> None:
        """Store `brief` under `key` (one transaction: all of it or nothing) and drop all but the newest
        `KEPT`; never one that contains the API key `secret` (the transport redacts it everywhere, so this
        is a guard, not a path)."""
        self._write("results", "brief", key, brief.model_dump_json(), secret)

    def page(self, key: str) -> str | None:
        """The HTML page stored under `key`, or None."""
        return self._read("SELECT html FROM pages WHERE key = ?", key)

    def put_page(self, key: str, html: str, secret: str | None = None) -> None:
        """Store an HTML page under `key`, as `put` does."""
        self._write("pages", "html", key, html, secret)

    def _write(self, table: str, column: str, key: str, text: str, secret: str | None) -> None:
        if contains_secret(text, [secret]):  # the same rule as redaction: such a result is never stored
            return
        db = self._connect(create=True)
        if db is None:
            return
        try:
            with db:  # one transaction: the new entry and the trimming
                db.execute("BEGIN")
                db.execute(f"INSERT OR REPLACE INTO {table} (key, {column}) VALUES (?, ?)", (key, text))
                keep_newest(db, table, KEPT)
        except sqlite3.Error:
            pass
        finally:
            db.close()


def cached_html(config: Config) -> Callable[[str, str], str] | None:
    """`render_html` through the result cache (see the module doc), or None when the cache is not used."""
    if not usable(config):
        return None
    from reporter.llm.cache import default_cache_dir

    store = ResultCache(config.cache_dir or default_cache_dir())
    secret = config.api_key.get_secret_value() if config.api_key else None

    def to_html(markdown_text: str, title: str) -> str:
        digest = hashlib.sha256(f"{code_fingerprint()}\0{title}\0".encode())
        digest.update(markdown_text.encode("utf-8"))
        key = digest.hexdigest()
        if (html := store.page(key)) is not None:
            return html
        from reporter.render import render_html

        html = render_html(markdown_text, title)
        store.put_page(key, html, secret)
        return html

    return to_html
