"""Cassettes: every model request of a run and its response, in a file people can read and diff.

A cassette is YAML (or JSON when the file name ends in `.json`): a header saying where the responses
came from (`recorded` from a model, or `authored` by hand for tests), then one entry per request with
the prompt name and version, the source id, the request key, the messages sent, and the response text,
usage and answering model. Entries are sorted by prompt, source and key, and output schemas are stored
once in a `schemas` table, so a prompt change shows as a small, reviewable diff.

Only `ModelRequest`/`ModelResponse` fields are ever written, and every string is scrubbed of anything
that looks like an API key before it reaches the disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reporter.errors import (
    BudgetExceeded,
    CassetteError,
    CassetteMiss,
    ContextWindowExceeded,
    ModelError,
    ModelUnavailable,
    RequestRejected,
)
from reporter.llm.protocol import ChatMessage, ModelRequest, ModelResponse
from reporter.redaction import scrub  # cassettes hide configured keys and key-shaped strings

FORMAT_NAME = "reporter-cassette"
FORMAT_VERSION = 1
CHECKPOINT_MIN_S = 1.0  # a recording run saves its cassette at most this often until the end


Provenance = Literal["recorded", "authored"]

# Identifiers derived from content, such as per-article delimiters: not themselves the change to report.
_DERIVED_ID = re.compile(r"\b[A-Z]+-[0-9A-F]{12,}\b")

_AUTHORED_NOTE = (
    "Responses written by hand in the model's output format, for tests. They are not model output."
)

# The C loader/dumper are much faster on large cassettes; fall back to pure Python where absent.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """YAML dumper writing multi-line strings as literal blocks, so article and response text diff well."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


class Header(BaseModel):
    """Where a cassette's responses came from."""

    model_config = ConfigDict(extra="forbid")

    provenance: Provenance = Field(description="recorded (from a model) or authored (written by hand).")
    model: str | None = Field(default=None, description="Model the run asked for, when recorded.")
    endpoint_host: str | None = Field(default=None, description="Host name of the endpoint, when recorded.")
    date: str | None = Field(default=None, description="When the cassette was recorded or authored (UTC).")
    note: str | None = Field(default=None, description="Free text, e.g. how the responses were authored.")
    context_window: int | None = Field(default=None, description="The context window the recorded run fitted "
                                       "its requests to (articles and brief split alike on replay).")


# A step that failed is recorded too, so that replaying the cassette fails that step the same way (and the
# briefing falls back the same way) instead of stopping at a request the cassette lacks. Ladder refusals
# (a dropped parameter, a structured-output form the server lacks) are not recorded: the run asked again.
_FAILURES: dict[str, type[ModelError]] = {
    "model_error": ModelError,
    "request_rejected": RequestRejected,
    "context_window_exceeded": ContextWindowExceeded,
    "model_unavailable": ModelUnavailable,
    "budget_exceeded": BudgetExceeded,
}
FailureKind = Literal["model_error", "request_rejected", "context_window_exceeded", "model_unavailable",
                      "budget_exceeded"]


class RecordedFailure(BaseModel):
    """A request that failed while recording: replay raises the same error with the same message."""

    model_config = ConfigDict(extra="forbid")

    kind: FailureKind = Field(description="Which error the run got (reporter's exception tree, snake case).")
    message: str = Field(description="The error's one-line message, as the recorded run reported it.")
    status: int | None = Field(default=None, description="HTTP status of a refused request, when there was one.")
    limit: int | None = Field(default=None, description="The context window a too-long request exceeded, "
                              "when the server said.")

    @classmethod
    def of(cls, error: ModelError) -> RecordedFailure | None:
        """The record of an error worth replaying, or None for a ladder refusal the run recovers from."""
        kind = next((k for k, t in _FAILURES.items() if type(error) is t), None)
        if kind is None:
            return None
        return cls(kind=kind, message=str(error), status=getattr(error, "status", None),
                   limit=getattr(error, "limit", None))

    def error(self) -> ModelError:
        """The exception to raise on replay."""
        kind = _FAILURES[self.kind]
        if issubclass(kind, RequestRejected):
            error: ModelError = kind(self.message, status=self.status)
            if isinstance(error, ContextWindowExceeded):
                error.limit = self.limit
            return error
        return kind(self.message)


class Entry(BaseModel):
    """One request and the response it got (or the error, when the step failed)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="ModelRequest.key() of the request when it was recorded.")
    request: ModelRequest = Field(description="The request as the run built it.")
    response: ModelResponse | None = Field(default=None, description="The response it got.")
    failure: RecordedFailure | None = Field(default=None, description="The error it got instead of a response.")

    @model_validator(mode="after")
    def _one_outcome(self) -> Entry:
        if (self.response is None) == (self.failure is None):
            raise ValueError("an entry holds either a response or a failure")
        return self


def _schema_ref(name: str | None, schema: dict[str, Any]) -> str:
    """A short, stable reference for one schema: its name plus a hash of its content."""
    digest = hashlib.sha256(json.dumps(schema, sort_keys=True).encode("utf-8")).hexdigest()[:12]
    return f"{name or 'schema'}-{digest}"


def _sort_key(entry: Entry) -> tuple[str, str, str]:
    return (entry.request.prompt_name, entry.request.source_id or "", entry.key)


def _today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


def _refuse_aliases(text: str, path: Path) -> None:
    """Refuse YAML anchors and aliases before loading: a 778-byte "billion laughs" cassette expands to
    gigabytes, and reporter never writes either (cassettes are committed and replayed in CI)."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise CassetteError(f"{path}: cassette uses YAML anchors/aliases (line {mark.line + 1}); reporter "
                                "never writes them and refuses them, since aliases can expand without bound")


class Cassette:
    """An in-memory cassette: look up, add, save, and explain misses."""

    def __init__(self, header: Header, entries: Iterable[Entry] = (), path: Path | None = None,
                 secrets: Iterable[str] = ()) -> None:
        self.header = header
        self.path = path
        self._secrets = [s for s in secrets if s]
        self._saved_at = float("-inf")  # monotonic time of the last save
        self._save_cost = 0.0  # seconds the last save took
        self._entries: dict[str, Entry] = {}
        for entry in entries:
            self._entries[_effective_key(entry)] = entry

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def new(cls, provenance: Provenance = "recorded", *, model: str | None = None,
            endpoint_host: str | None = None, date: str | None = None, note: str | None = None,
            secrets: Iterable[str] = ()) -> Cassette:
        """An empty cassette; `secrets` (e.g. the configured API key) are scrubbed on save."""
        if provenance == "authored" and note is None:
            note = _AUTHORED_NOTE
        header = Header(provenance=provenance, model=model, endpoint_host=endpoint_host,
                        date=date or _today(), note=note)
        return cls(header, secrets=secrets)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Cassette:
        """Read a cassette file; a missing, damaged or unknown-version file raises CassetteError."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CassetteError(f"{path}: cassette not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CassetteError(f"{path}: cannot read cassette: {exc}") from None
        try:
            if path.suffix != ".json":
                _refuse_aliases(text, path)
            data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Loader)
        except (ValueError, yaml.YAMLError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CassetteError(f"{path}: damaged cassette, not valid {_kind(path)}: {reason}") from None
        return cls._from_data(data, path)

    @classmethod
    def _from_data(cls, data: Any, path: Path) -> Cassette:
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            raise CassetteError(f"{path}: not a reporter cassette (no 'format: {FORMAT_NAME}' header)")
        if data.get("version") != FORMAT_VERSION:
            raise CassetteError(
                f"{path}: unknown cassette version {data.get('version')!r}; "
                f"this reporter reads version {FORMAT_VERSION}"
            )
        try:
            header = Header.model_validate(data.get("header"))
            schemas = data.get("schemas") or {}
            if not isinstance(schemas, dict):
                raise CassetteError(f"{path}: damaged cassette: 'schemas' must be a mapping")
            raw_entries = data.get("entries") or []
            if not isinstance(raw_entries, list):
                raise CassetteError(f"{path}: damaged cassette: 'entries' must be a list")
            entries = [_entry_from_data(raw, schemas, path, n) for n, raw in enumerate(raw_entries, 1)]
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise CassetteError(f"{path}: damaged cassette header: {where}: {first['msg']}") from None
        return cls(header, entries, path=path)

    # -- use ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> list[Entry]:
        """Entries in file order: by prompt, source, key."""
        return sorted(self._entries.values(), key=_sort_key)

    def lookup(self, request: ModelRequest) -> ModelResponse | None:
        """The recorded response to this exact request, or None."""
        entry = self._entries.get(request.key())
        return entry.response if entry else None

    def json_mode_only(self) -> bool:
        """True when every entry asked for JSON without a schema (recorded from a server lacking json_schema)."""
        modes = {e.request.params.get("response_format") for e in self._entries.values()}
        return bool(modes) and "json_schema" not in modes

    def require(self, request: ModelRequest) -> ModelResponse:
        """The recorded response; the recorded error if the request failed; else CassetteMiss saying what changed."""
        entry = self._entries.get(request.key())
        if entry is not None and entry.failure is not None:
            raise entry.failure.error()
        if entry is None or entry.response is None:
            raise CassetteMiss(self.describe_miss(request))
        return entry.response

    def add(self, request: ModelRequest, response: ModelResponse) -> None:
        """Record one request and its response (a repeated request keeps the latest response)."""
        if self.header.provenance == "recorded" and self.header.model is None:
            self.header.model = request.model  # the run used its default model: name it in the header
        self._entries[request.key()] = Entry(key=request.key(), request=request, response=response)

    def add_failure(self, request: ModelRequest, error: ModelError) -> None:
        """Record that a request failed (a ladder refusal the run recovers from is not recorded)."""
        failure = RecordedFailure.of(error)
        current = self._entries.get(request.key())
        if failure is not None and (current is None or current.response is None):
            self._entries[request.key()] = Entry(key=request.key(), request=request, failure=failure)

    def describe_miss(self, request: ModelRequest) -> str:
        """One line naming the prompt and source of a request not in the cassette, and what changed."""
        where = f"cassette {self.path}" if self.path else "the cassette"
        what = f"prompt '{request.prompt_name}' (version {request.prompt_version})"
        about = f" for source '{request.source_id}'" if request.source_id else ""
        head = f"{where} has no response for {what}{about}"
        same = [e.request for e in self._entries.values()
                if e.request.prompt_name == request.prompt_name and e.request.source_id == request.source_id]
        if not same:
            known = sorted({e.request.prompt_name for e in self._entries.values()})
            if request.prompt_name not in known:
                return f"{head}: no entry uses that prompt (cassette has: {', '.join(known) or 'nothing'})"
            return f"{head}: the cassette was recorded without this source; re-record it"
        return f"{head}: {_what_changed(same, request)}; re-record the cassette with --record"

    # -- writing ------------------------------------------------------------------------------

    def to_data(self, secrets: Iterable[str] = ()) -> dict[str, Any]:
        """The file content as plain data, scrubbed of secrets, with schemas stored once."""
        schemas: dict[str, Any] = {}
        entries = []
        for entry in self.entries:
            req, resp = entry.request, entry.response
            item: dict[str, Any] = {
                "prompt": req.prompt_name,
                "prompt_version": req.prompt_version,
                "source_id": req.source_id,
                "key": entry.key,
                "model": req.model,
                "schema": req.schema_name,
            }
            if req.json_schema is not None:
                ref = _schema_ref(req.schema_name, req.json_schema)
                schemas[ref] = req.json_schema
                item["schema_ref"] = ref
            item["params"] = dict(sorted(req.params.items()))
            item["messages"] = [{"role": m.role, "content": m.content} for m in req.messages]
            if resp is not None:
                item["response"] = {
                    "model": resp.model,
                    "finish_reason": resp.finish_reason,
                    "usage": {"input_tokens": resp.input_tokens, "output_tokens": resp.output_tokens},
                    "text": resp.text,
                }
            if entry.failure is not None:
                item["failure"] = entry.failure.model_dump(exclude_none=True)
            entries.append(item)
        data = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "header": self.header.model_dump(),
            "entries": entries,
            "schemas": dict(sorted(schemas.items())),
        }
        return scrub(data, [*self._secrets, *secrets])

    def dumps(self, secrets: Iterable[str] = (), as_json: bool = False) -> str:
        """The file text (YAML, or JSON)."""
        data = self.to_data(secrets)
        if as_json:
            return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        banner = f"# {_banner(self.header)}\n# Format: docs/recording.md\n"
        return banner + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                                  width=100_000, default_flow_style=False)

    def checkpoint(self, path: str | os.PathLike[str]) -> bool:
        """Save now unless the last save was very recent; `save` once more at the end of the run.

        Rewriting a growing file after every response costs time quadratic in the run's length; this
        keeps saving to at most a fifth of the run's time while an interrupted run loses seconds at most.
        """
        if time.monotonic() - self._saved_at < max(CHECKPOINT_MIN_S, 4 * self._save_cost):
            return False
        self.save(path)
        return True

    def save(self, path: str | os.PathLike[str] | None = None, secrets: Iterable[str] = ()) -> Path:
        """Write the cassette atomically (temp file in the same folder, then rename)."""
        started = time.monotonic()
        target = Path(path) if path is not None else self.path
        if target is None:
            raise CassetteError("cassette has no file name to save to")
        text = self.dumps(secrets, as_json=target.suffix == ".json")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise CassetteError(f"{target}: cannot write cassette: {exc.strerror or exc}") from None
        self.path = target
        self._saved_at = time.monotonic()
        self._save_cost = self._saved_at - started
        return target


def _effective_key(entry: Entry) -> str:
    """The key an entry answers to: that of the request as written, so a hand-edited request matches
    what it now says; only an entry whose text was scrubbed of a secret keeps the key recorded before
    ("REDACTED" matches this version's marker and the bare one older cassettes carry)."""
    key = entry.request.key()
    if key != entry.key and any("REDACTED" in m.content for m in entry.request.messages):
        return entry.key
    if key != entry.key:
        entry.key = key
    return key


def _kind(path: Path) -> str:
    return "JSON" if path.suffix == ".json" else "YAML"


def _banner(header: Header) -> str:
    if header.provenance == "authored":
        return "reporter cassette, AUTHORED: responses written by hand for tests, not model output."
    host = header.endpoint_host or "unknown host"
    return f"reporter cassette, RECORDED from model {header.model} at {host} on {header.date}."


def _entry_from_data(raw: Any, schemas: dict[str, Any], path: Path, n: int) -> Entry:
    """Rebuild one entry; any problem names the file and the entry number."""
    if not isinstance(raw, dict):
        raise CassetteError(f"{path}: damaged cassette: entry {n} is not a mapping")
    try:
        ref = raw.get("schema_ref")
        if ref is not None and ref not in schemas:
            raise CassetteError(f"{path}: damaged cassette: entry {n} names unknown schema {ref!r}")
        failure = raw.get("failure")  # validated as Entry's field below, so an error names 'failure.kind'
        resp = raw["response"] if failure is None else raw.get("response")  # both: Entry refuses it
        request = ModelRequest(
            prompt_name=raw["prompt"],
            prompt_version=str(raw["prompt_version"]),
            source_id=raw.get("source_id"),
            model=raw["model"],
            messages=[ChatMessage.model_validate(m) for m in raw["messages"]],
            schema_name=raw.get("schema"),
            json_schema=schemas[ref] if ref is not None else None,
            params=raw.get("params") or {},
        )
        response = None
        if resp is not None:
            usage = resp.get("usage") or {}
            response = ModelResponse(
                text=resp["text"],
                model=resp["model"],
                input_tokens=usage.get("input_tokens", 0),
                output_tokens=usage.get("output_tokens", 0),
                finish_reason=resp.get("finish_reason"),
            )
        key = raw["key"]
        if not isinstance(key, str):
            raise CassetteError(f"{path}: damaged cassette: entry {n} has no key")
        return Entry(key=key, request=request, response=response, failure=failure)
    except KeyError as exc:
        raise CassetteError(f"{path}: damaged cassette: entry {n} lacks field {exc.args[0]!r}") from None
    except (TypeError, AttributeError):
        raise CassetteError(f"{path}: damaged cassette: entry {n} has a field of the wrong type") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        where = f"{loc}: " if loc else ""  # no location: the entry as a whole
        raise CassetteError(f"{path}: damaged cassette: entry {n}: {where}{first['msg']}") from None


def _what_changed(recorded: list[ModelRequest], request: ModelRequest) -> str:
    """Say how a request differs from the closest recorded one for the same prompt and source."""
    versions = sorted({r.prompt_version for r in recorded})
    if request.prompt_version not in versions:
        return (f"prompt '{request.prompt_name}' changed: cassette has version {', '.join(versions)}, "
                f"run uses version {request.prompt_version}")
    same_version = [r for r in recorded if r.prompt_version == request.prompt_version]
    closest = min(same_version, key=lambda r: _distance(r, request))
    if closest.model != request.model:
        return f"model changed: cassette has '{closest.model}', run uses '{request.model}'"
    if [m.model_dump() for m in closest.messages] != [m.model_dump() for m in request.messages]:
        return (f"prompt '{request.prompt_name}' changed: the messages differ from the recorded ones "
                f"({_first_difference(closest.messages, request.messages)})")
    if closest.json_schema != request.json_schema:
        return f"output schema '{request.schema_name}' changed since the cassette was recorded"
    if closest.params != request.params:
        return f"parameters changed: cassette has {closest.params}, run uses {request.params}"
    return "the request differs from the recorded one in a way the key sees but this check does not"


def _distance(recorded: ModelRequest, request: ModelRequest) -> int:
    """How many of model, messages, schema and parameters differ (for picking the closest entry)."""
    return sum((
        recorded.model != request.model,
        recorded.messages != request.messages,
        recorded.json_schema != request.json_schema,
        recorded.params != request.params,
    ))


def _first_difference(old: list[ChatMessage], new: list[ChatMessage]) -> str:
    """Where two message lists first differ, with a short excerpt of the change."""
    if len(old) != len(new):
        return f"cassette has {len(old)} messages, run sends {len(new)}"
    for n, (a, b) in enumerate(zip(old, new, strict=True), 1):
        if a.role != b.role:
            return f"message {n}: role '{a.role}' became '{b.role}'"
    changed = [(n, a, b) for n, (a, b) in enumerate(zip(old, new, strict=True), 1) if a.content != b.content]
    # Delimiters derived from the content (e.g. ARTICLE-3F2A...) change with it: show the change behind them.
    for n, a, b in changed:
        was, now = _DERIVED_ID.sub("<id>", a.content), _DERIVED_ID.sub("<id>", b.content)
        if was != now:
            at = len(os.path.commonprefix([was, now]))
            return f"message {n} ({b.role}) at character {at}: {was[at:at + 40]!r} became {now[at:at + 40]!r}"
    n, a, b = changed[0]
    at = len(os.path.commonprefix([a.content, b.content]))
    return f"message {n} ({b.role}) at character {at}: {a.content[at:at + 40]!r} became {b.content[at:at + 40]!r}"
