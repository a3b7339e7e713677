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
# Byte-order marks, longest first: (mark, codec, the encoding name reported).
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32-le"),
         (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"), (b"\xfe\xff", "utf-16-be", "utf-16-be"),
         (b"\xff\xfe", "utf-16-le", "utf-16-le"))
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Integers longer than this in a JSON article are not article data (Python refuses > 4,300 digits anyway).
MAX_JSON_INT_DIGITS = 100
# lxml (under trafilatura) stops parsing below this depth; deeper pages are read with a plain fallback.
MAX_PARSER_DEPTH = 250
# A briefing written by reporter (its JSON keys, or the footer line of its Markdown and HTML).
_OWN_JSON_KEYS = frozenset({"schema_version", "event", "sources", "summaries", "run"})
_OWN_FOOTER = re.compile(r"reporter [\w.+-]+ · mode (?:offline|llm|replay)")
OWN_OUTPUT = "a briefing written by reporter, not an article; skipped"
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
    for bom, codec, name in _BOMS:  # UTF-32 first: its little-endian BOM starts like UTF-16's
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec, errors="strict"), name
            except UnicodeDecodeError as exc:
                raise InputError(path, f"starts with a {codec.upper()} byte-order mark but is not valid "
                                       f"{codec.upper()} (byte {exc.start + len(bom)})") from exc
    if b"\x00" in data:
        raise InputError(path, "binary data (NUL bytes), not a text article")
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
    if not text or count_words(text) < MIN_HTML_WORDS:
        from reporter.html_fallback import plain_extraction

        fallback = plain_extraction(html)
        if fallback.depth > MAX_PARSER_DEPTH and count_words(fallback.text) >= MIN_HTML_WORDS:
            return {"text": fallback.text, "title": fallback.title,
                    "note": f"HTML nested {fallback.depth} levels deep, past the HTML parser's limit of "
                            f"{MAX_PARSER_DEPTH}: text taken with a plain fallback extraction"}
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
        obj = json.loads(raw, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"malformed JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise InputError(path, "JSON nested too deeply to be an article") from exc
    except ValueError as exc:
        raise InputError(path, str(exc)) from exc
    if isinstance(obj, dict) and obj.keys() >= _OWN_JSON_KEYS:
        raise InputError(path, OWN_OUTPUT)
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise InputError(path, 'JSON article needs an object with a "text" string')
    meta = {}
    for key in ("title", "outlet", "url", "published", "byline"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(path, f'JSON field "{key}" must be a string')
        meta[key] = value
    for key, value in [("text", obj["text"]), *meta.items()]:
        if value is not None and (bad := _SURROGATE.search(value)):
            raise InputError(path, f"{key} contains a lone surrogate ({ascii(bad.group())[1:-1]}) at character "
                                   f"{bad.start()}: not valid Unicode")
    return {"text": obj["text"], **meta}


def _bounded_int(digits: str) -> int:
    """json's int parser, refusing numbers too long to be article data (Python refuses > 4,300 digits)."""
    if len(digits.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise ValueError(f"JSON has a number with {len(digits.lstrip('-')):,} digits; an article's numbers have at "
                         f"most {MAX_JSON_INT_DIGITS} digits")
    return int(digits)


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
        # O_NONBLOCK and fstat: a file replaced by a FIFO since the check above must not block the run.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb", closefd=True) as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputError(path, "not a regular file (a pipe, device or socket)")
            size = info.st_size
            data = handle.read(limit + 1) if size <= limit else b""  # never more than the limit
            size = max(size, len(data))
        if size > limit:
            raise InputError(path, f"file is {size:,} bytes, over the limit of {limit:,} "
                                   "(raise it with --max-input-bytes)")
    except OSError as exc:
        raise InputError(path, f"can't read: {exc.strerror or exc}") from exc
    text, encoding = decode(data, path)
    notes = [f"decoded as {encoding} (not valid UTF-8)"] if encoding == "cp1252" else []
    meta: dict[str, str | None] = {}
    if fmt in ("md", "html") and _OWN_FOOTER.search(text[-3000:]):
        raise InputError(path, OWN_OUTPUT)
    if fmt == "html":
        meta = _html_to_article(text, path)
        text = meta.pop("text") or ""
        notes += [note] if (note := meta.pop("note", None)) else []
    elif fmt == "json":
        meta = _json_to_article(text, path)
        text = meta.pop("text") or ""
    if not text.strip():
        raise InputError(path, "empty article (no text)")
    return source_from_text(text, path=path, fmt=fmt, encoding=encoding, source_id=source_id, notes=notes, **meta)


def printable_path(path: str) -> str:
    """A path as text that can always be shown and stored: undecodable bytes as \\xNN escapes."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(folder: str, problems: list[Problem], skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """Supported files under `folder`, recursively, in a stable order.

    Symlinked folders are not followed; a symlinked file is read only when it points inside `folder`.
    Names that are not valid UTF-8 are skipped with a problem; files in `skip` (reporter's own outputs of
    this run, by real path) are left out silently.
    """
    top = os.path.realpath(folder)
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # A briefing written earlier (e.g. `reporter brief . --out reports/x`) is output, not an article.
        own = BRIEFING_FILES | {"review.json"} if set(files) >= BRIEFING_FILES else set()
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in FORMATS or name in own:
                continue
            path = os.path.join(root, name)
            if not _is_utf8(path):
                problems.append(Problem(path=printable_path(path), step="ingest", message="file name is not valid "
                                        f"UTF-8 ({printable_path(name)}); skipped"))
                continue
            real = os.path.realpath(path)
            if real in skip:
                continue
            if os.path.islink(path) and os.path.commonpath([top, real]) != top:
                problems.append(Problem(path=path, step="ingest",
                                        message="symbolic link to a file outside the input folder; not followed"))
                continue
            yield path


def expand_paths(paths: Iterable[str], skip: frozenset[str] = frozenset()) -> tuple[list[str], list[Problem]]:
    """Files named directly or found in folders, in the order given; missing paths become problems."""
    files: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        if not _is_utf8(path):
            problems.append(Problem(path=printable_path(path), step="ingest",
                                    message="path is not valid UTF-8; skipped"))
        elif os.path.isdir(path):
            found = list(_walk(path, problems, skip))
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


def own_outputs(out_dir: Path | str | None) -> frozenset[str]:
    """Real paths of the files a run writing into `out_dir` owns: never read back as articles."""
    if out_dir is None:
        return frozenset()
    return frozenset(os.path.realpath(os.path.join(out_dir, name)) for name in (*BRIEFING_FILES, "review.json"))


def read_inputs(paths: Iterable[str], config: Config, skip: frozenset[str] = frozenset()
                ) -> tuple[list[Source], list[Problem]]:
    """Read every input; one unusable file never stops the others, it becomes a `Problem`.

    Any failure while reading one file, expected (InputError) or not (a bug in a parser), is listed for
    that file and the run goes on.
    """
    files, problems = expand_paths(paths, skip)
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
        except (Exception, RecursionError) as exc:  # noqa: BLE001 - one file's bug must not stop the run
            message = " ".join(str(exc).split())[:300]
            problems.append(Problem(path=path, step="ingest",
                                    message=f"could not be read ({type(exc).__name__}: {message})"))
    return sources, problems
