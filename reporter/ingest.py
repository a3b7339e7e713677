"""Ingest: turn input paths (files and folders) into `Source` objects, listing every file that can't be used.

The decoded text is kept exactly as decoded: every offset anywhere in reporter refers to it.
HTML goes through trafilatura (main-text extraction is a solved problem; we don't hand-write one).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from reporter.config import Config
from reporter.errors import InputError
from reporter.models import Problem, Source

FORMATS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
           ".json": "json"}
_WORD = re.compile(r"\w+(?:[’'-]\w+)*")
_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")
# Control characters other than tab/newline/CR/form feed: text has next to none, binary data plenty.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The files of a briefing reporter writes: in a folder holding all three, they are output, not articles.
BRIEFING_FILES = frozenset({"brief.md", "brief.html", "brief.json"})
# Below this many words trafilatura has found page chrome (menus, cookie notices), not an article.
MIN_HTML_WORDS = 15


def count_words(text: str) -> int:
    """Words as a reader counts them."""
    return sum(1 for _ in _WORD.finditer(text))  # no list of every word: inputs may be 20 MB


def _looks_binary(text: str) -> bool:
    """More than 1% control characters: binary data that happened to decode (cp1252 decodes most bytes)."""
    return len(_CONTROL.findall(text)) > max(1, len(text) // 100)


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode bytes robustly: UTF-8 (with or without BOM), else cp1252; returns (text, encoding)."""
    text, encoding = _decode(data, path)
    if _looks_binary(text):
        raise InputError(path, "binary data (control characters), not a text article")
    return text, encoding


def _decode(data: bytes, path: str) -> tuple[str, str]:
    """The decoding itself; `decode` adds the binary-data check."""
    if b"\x00" in data:
        raise InputError(path, "binary data (NUL bytes), not a text article")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not decodable as UTF-8 or cp1252 (byte {exc.start})") from exc


def _html_to_article(html: str, path: str) -> dict[str, str | None]:
    """Main text and metadata of an HTML page via trafilatura."""
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    doc = trafilatura.bare_extraction(html, include_comments=False, include_tables=False, with_metadata=True)
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise InputError(path, "no article text found in the HTML page")
    if count_words(text) < MIN_HTML_WORDS:
        raise InputError(path, f"no article text found in the HTML page (only {count_words(text)} words of "
                               "menus or page chrome)")
    return {
        "text": text,
        "title": getattr(doc, "title", None),
        "outlet": getattr(doc, "sitename", None),
        "byline": getattr(doc, "author", None),
        "published": getattr(doc, "date", None),
        "url": getattr(doc, "url", None),
    }


def _json_to_article(raw: str, path: str) -> dict[str, str | None]:
    """An article from JSON: {"title", "text", "outlet"?, "url"?, "published"?}."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"malformed JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise InputError(path, 'JSON article needs an object with a "text" string')
    meta = {}
    for key in ("title", "outlet", "url", "published", "byline"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(path, f'JSON field "{key}" must be a string')
        meta[key] = value
    return {"text": obj["text"], **meta}


def source_id_for(path: str) -> str:
    """A readable id from the file name."""
    stem = Path(path).stem or "source"
    return _SLUG.sub("_", stem).strip("_.") or "source"


def source_from_text(text: str, *, path: str, fmt: str = "txt", encoding: str = "utf-8",
                     source_id: str | None = None, notes: Iterable[str] = (), **meta: str | None) -> Source:
    """Build a `Source` from already-decoded text."""
    return Source(
        id=source_id or source_id_for(path),
        path=path,
        format=fmt,
        encoding=encoding,
        words=count_words(text),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        text=text,
        notes=list(notes),
        **{k: v for k, v in meta.items() if v},
    )


def read_source(path: str, config: Config, source_id: str | None = None) -> Source:
    """Read one file into a `Source`; raises InputError naming the file and the problem."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(path, f"unsupported file type {Path(path).suffix or '(none)'!r}; "
                               "use .txt, .md, .html or .json")
    limit = config.limits.max_input_bytes
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a named pipe or device would block or never end
            raise InputError(path, "not a regular file (a pipe, device or socket)")
        size = info.st_size
        if size <= limit:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)  # never more than the limit, even if the file grows meanwhile
            size = max(size, len(data))
        if size > limit:
            raise InputError(path, f"file is {size:,} bytes, over the limit of {limit:,} "
                                   "(raise it with --max-input-bytes)")
    except OSError as exc:
        raise InputError(path, f"can't read: {exc.strerror or exc}") from exc
    text, encoding = decode(data, path)
    notes = [f"decoded as {encoding} (not valid UTF-8)"] if encoding == "cp1252" else []
    meta: dict[str, str | None] = {}
    if fmt == "html":
        meta = _html_to_article(text, path)
        text = meta.pop("text") or ""
    elif fmt == "json":
        meta = _json_to_article(text, path)
        text = meta.pop("text") or ""
    if not text.strip():
        raise InputError(path, "empty article (no text)")
    return source_from_text(text, path=path, fmt=fmt, encoding=encoding, source_id=source_id, notes=notes, **meta)


def _walk(folder: str) -> Iterator[str]:
    """Supported files under `folder`, recursively, in a stable order; symlinked folders are not followed."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # A briefing written earlier (e.g. `reporter brief . --out reports/x`) is output, not an article.
        own = BRIEFING_FILES | {"review.json"} if set(files) >= BRIEFING_FILES else set()
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in FORMATS and name not in own:
                yield os.path.join(root, name)


def expand_paths(paths: Iterable[str]) -> tuple[list[str], list[Problem]]:
    """Files named directly or found in folders, in the order given; missing paths become problems."""
    files: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        if os.path.isdir(path):
            found = list(_walk(path))
            if not found:
                problems.append(Problem(path=path, step="ingest", message="folder holds no .txt, .md, .html or "
                                                                          ".json articles"))
            files.extend(found)
        elif os.path.exists(path):
            files.append(path)
        elif os.path.islink(path):  # exists() is False for a link that loops or points nowhere
            problems.append(Problem(path=path, step="ingest", message="symbolic link loop or broken link"))
        else:
            problems.append(Problem(path=path, step="ingest", message="no such file or folder"))
    return list(dict.fromkeys(files)), problems


def assign_ids(files: list[str]) -> dict[str, str]:
    """Unique ids per file; clashing stems are numbered in sorted-path order, so input order doesn't matter."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for path in sorted(files):
        base = candidate = source_id_for(path)
        n = 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        taken.add(candidate)
        ids[path] = candidate
    return ids


def read_inputs(paths: Iterable[str], config: Config) -> tuple[list[Source], list[Problem]]:
    """Read every input; one unusable file never stops the others, it becomes a `Problem`."""
    files, problems = expand_paths(paths)
    if len(files) > config.limits.max_sources:
        problems.append(Problem(step="ingest", message=f"{len(files)} files found; only the first "
                                                       f"{config.limits.max_sources} are read (--max-sources)"))
        files = files[: config.limits.max_sources]
    ids = assign_ids(files)
    sources: list[Source] = []
    for path in files:
        try:
            sources.append(read_source(path, config, ids[path]))
        except InputError as exc:
            problems.append(Problem(path=path, step="ingest", message=exc.problem))
    return sources, problems
