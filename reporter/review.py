"""Editor review: the decisions file next to a briefing, and re-attaching decisions to flags.

`DIR/review.json` holds one decision per flag id, with the flag's title, kind and evidence keys at
decision time, so a decision can follow its flag when the flag's id changes (an added source enlarges
its evidence) and can be described when its flag is gone (an orphan). The file is meant to live under
version control: pretty-printed, sorted keys, one stable layout. Every write re-reads the file under a
lock and changes only the entries it means to, so reviewers working one after the other lose nothing.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field, ValidationError

from reporter.atomic import write_text_atomic
from reporter.errors import ReporterError, ReviewStoreError
from reporter.ids import normalise_text
from reporter.models import Brief, Discrepancy, OrphanedReview, Review, ReviewStatus, Strict

try:  # POSIX advisory locks; released by the OS if the process dies, so no stale locks
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

STORE_NAME = "review.json"
STORE_FORMAT = "reporter-review"
STORE_VERSION = 1
STATUSES: tuple[ReviewStatus, ...] = ("confirmed", "dismissed", "needs-check", "open")
# Writers queue on the lock while each re-renders the briefing under it (about a second each, more on a big
# briefing or a busy machine): 20 reviewers saving at once must all get through.
LOCK_TIMEOUT_S = 120.0
_UNTOUCHED = "fix or move it away; it was left untouched"


class EvidenceKey(Strict):
    """What identifies one piece of a flag's evidence: its source and its normalised text."""

    source_id: str = Field(description="Id of the source the evidence is in.")
    text: str = Field(description="The evidence text, normalised with reporter.ids.normalise_text.")


class StoredDecision(Review):
    """One decision as kept in review.json: the review plus what the flag looked like then."""

    title: str | None = Field(default=None, description="The flag's title when it was decided.")
    kind: str | None = Field(default=None, description="The flag's kind when it was decided.")
    evidence: list[EvidenceKey] = Field(default_factory=list, description="The flag's evidence keys.")
    previous_ids: list[str] = Field(
        default_factory=list, description="Ids the flag had before its evidence changed, oldest first."
    )
    history: list[Review] = Field(
        default_factory=list, description="Earlier decisions on this flag by others, oldest first."
    )

    def review(self) -> Review:
        """The decision as the data model's Review."""
        return Review(**self.model_dump(include=set(Review.model_fields)))


class StoreFile(Strict):
    """The whole of review.json."""

    format: str = Field(default=STORE_FORMAT, description="Always 'reporter-review'.")
    version: int = Field(default=STORE_VERSION, description="Version of this file's layout.")
    decisions: dict[str, StoredDecision] = Field(default_factory=dict, description="Decisions keyed by discrepancy id.")


Decisions = dict[str, StoredDecision]


def store_path(out_dir: Path | str) -> Path:
    """Where the decisions for the briefing in `out_dir` live."""
    return Path(out_dir) / STORE_NAME


def now_utc() -> str:
    """The current time, ISO 8601 UTC to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def default_reviewer(explicit: str | None = None) -> str | None:
    """--reviewer, else $REPORTER_REVIEWER, else the login name."""
    if explicit:
        return explicit
    if env := os.environ.get("REPORTER_REVIEWER"):
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name at all (e.g. a container without $USER or passwd entry)
        return None


def evidence_keys(flag: Discrepancy) -> list[EvidenceKey]:
    """The flag's evidence keys, sorted and without repeats."""
    pairs = sorted({(e.source_id, normalise_text(e.text)) for e in flag.evidence})
    return [EvidenceKey(source_id=s, text=t) for s, t in pairs]


def _key_set(keys: list[EvidenceKey]) -> set[tuple[str, str]]:
    return {(k.source_id, k.text) for k in keys}


# --- reading and writing the file -------------------------------------------------------------------


def load_decisions(path: Path) -> Decisions:
    """Decisions in `path`; none if it does not exist; ReviewStoreError if it is damaged."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewStoreError(f"{path}: cannot read the review file ({exc})") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ReviewStoreError(
            f"{path}: damaged review file, not valid JSON ({exc.msg} at line {exc.lineno}"
            f" column {exc.colno}); {_UNTOUCHED}"
        ) from exc
    try:
        store = StoreFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise ReviewStoreError(f"{path}: damaged review file ({where}: {first['msg']}); {_UNTOUCHED}") from exc
    if store.format != STORE_FORMAT:
        raise ReviewStoreError(f"{path}: not a reporter review file (format {store.format!r})")
    if store.version > STORE_VERSION:
        raise ReviewStoreError(f"{path}: written by a newer reporter (layout {store.version}); upgrade reporter")
    return store.decisions


def dump_decisions(decisions: Decisions) -> str:
    """review.json's text: pretty-printed, sorted keys, trailing newline; the same input, the same bytes."""
    store = StoreFile(decisions=dict(sorted(decisions.items())))
    data = store.model_dump(mode="json")
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `.review.json.lock` beside `path` for one read-modify-write."""
    lock_path = path.with_name(f".{path.name}.lock")
    try:
        fh = open(lock_path, "a+b")  # noqa: SIM115 - held open for the duration of the lock
    except OSError as exc:
        raise ReviewStoreError(f"{path}: cannot lock the review file ({exc.strerror})") from exc
    with fh:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                if fcntl is not None:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                else:  # pragma: no cover - Windows
                    msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
                break
            except OSError as exc:
                if time.monotonic() > deadline:
                    msg = f"{path}: another reviewer is still writing it; try again"
                    raise ReviewStoreError(msg) from exc
                time.sleep(0.05)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            else:  # pragma: no cover - Windows
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def locked_decisions(out_dir: Path | str) -> Iterator[Decisions]:
    """The stored decisions, read and held under the review lock for the block (e.g. to re-render the
    briefing from them: a reviewer writing meanwhile waits, so the briefing never misses a decision)."""
    path = store_path(out_dir)
    with _locked(path):
        yield load_decisions(path)


def update_decisions(path: Path, change: Callable[[Decisions], None]) -> Decisions:
    """Under the lock, re-read the file, apply `change` to it in place and write it back atomically."""
    with _locked(path):
        decisions = load_decisions(path)  # re-read: another reviewer may have written since we looked
        change(decisions)
        try:
            write_text_atomic(path, dump_decisions(decisions))
        except OSError as exc:
            raise ReviewStoreError(f"{path}: cannot write the review file ({exc.strerror or exc})") from exc
    return decisions


# --- deciding ---------------------------------------------------------------------------------------


def record_decision(
    out_dir: Path | str,
    flag: Discrepancy,
    status: ReviewStatus,
    *,
    note: str | None = None,
    correction: str | None = None,
    reviewer: str | None = None,
    decided_at: str | None = None,
) -> Review:
    """Save a decision on `flag` at once. A None note/correction keeps the previous one; '' clears it."""
    path = store_path(out_dir)
    when = decided_at or now_utc()
    result: list[Review] = []

    def change(decisions: Decisions) -> None:
        old = decisions.get(flag.id)
        history = list(old.history) if old else []
        # keep an earlier call that this one overrules: another reviewer's, or a status changed from a decision
        if old and (old.reviewer != reviewer or old.status not in (status, "open")):
            history.append(old.review())
        keep_note = old.note if old and note is None else note
        keep_corr = old.correction if old and correction is None else correction
        new = StoredDecision(
            status=status,
            note=keep_note or None,
            correction=keep_corr or None,
            reviewer=reviewer,
            decided_at=when,
            title=flag.title,
            kind=flag.kind,
            evidence=evidence_keys(flag),
            previous_ids=list(old.previous_ids) if old else [],
            history=history,
        )
        decisions[flag.id] = new
        result.append(new.review())

    update_decisions(path, change)
    return result[0]


# --- re-attaching -----------------------------------------------------------------------------------


def match_decisions(brief: Brief, decisions: Decisions) -> dict[str, str]:
    """Which decision belongs to which flag: {flag id: decision id}.

    An exact id wins. Otherwise a decision follows a flag of the same kind whose evidence keys contain
    all of the decision's keys from the sources still present; a decision about two or more sources
    needs two of them still present (one side of a disagreement is not the disagreement). Among several
    candidates the flag with the fewest extra keys wins; among several decisions the newest wins.
    """
    present = {s.id for s in brief.sources}
    flag_keys = {f.id: _key_set(evidence_keys(f)) for f in brief.discrepancies}
    assigned = {did: did for did in decisions if did in flag_keys}
    waiting = [(did, d) for did, d in decisions.items() if did not in flag_keys]
    waiting.sort(key=lambda item: (item[1].decided_at or "", item[0]), reverse=True)
    for did, dec in waiting:
        keys = {k for k in _key_set(dec.evidence) if k[0] in present}
        sources_then = {k.source_id for k in dec.evidence}
        sources_now = {k[0] for k in keys}
        if not keys or (len(sources_then) >= 2 and len(sources_now) < 2):
            continue
        candidates = [
            f for f in brief.discrepancies if f.kind == dec.kind and f.id not in assigned and keys <= flag_keys[f.id]
        ]
        if candidates:
            best = min(candidates, key=lambda f: (len(flag_keys[f.id] - keys), f.id))
            assigned[best.id] = did
    return assigned


def attach(brief: Brief, decisions: Decisions) -> Brief:
    """A copy of `brief` with each flag's review set and the unmatched decisions listed as orphans."""
    assigned = match_decisions(brief, decisions)
    flags = [
        f.model_copy(update={"review": decisions[assigned[f.id]].review() if f.id in assigned else None})
        for f in brief.discrepancies
    ]
    used = set(assigned.values())
    orphans = [
        OrphanedReview(discrepancy_id=did, title=d.title, review=d.review())
        for did, d in sorted(decisions.items())
        if did not in used
    ]
    return brief.model_copy(update={"discrepancies": flags, "orphaned_reviews": orphans})


def _rekey(decisions: Decisions, brief: Brief) -> None:
    """Move each decision that followed its flag to the flag's new id, remembering the old id."""
    by_id = {f.id: f for f in brief.discrepancies}
    for flag_id, did in match_decisions(brief, decisions).items():
        if flag_id == did:
            continue
        old = decisions.pop(did)
        flag = by_id[flag_id]
        decisions[flag_id] = old.model_copy(
            update={
                "previous_ids": [*old.previous_ids, did],
                "title": flag.title,
                "kind": flag.kind,
                "evidence": evidence_keys(flag),
            }
        )


def load_for_brief(out_dir: Path | str) -> Decisions:
    """The decisions of the briefing in `out_dir` (ReviewStoreError if the file is damaged)."""
    return load_decisions(store_path(out_dir))


def apply_reviews(brief: Brief, out_dir: Path | str) -> Brief:
    """Re-attach the decisions in `out_dir` to this run's flags; the pipeline calls it before rendering.

    Decisions that followed a flag to a new id are re-keyed in the file; decisions without a flag stay in
    the file and come back as `orphaned_reviews`. A damaged file raises ReviewStoreError and is not touched.
    """
    path = store_path(out_dir)
    decisions = load_decisions(path)
    if not decisions:
        return attach(brief, decisions)
    if any(fid != did for fid, did in match_decisions(brief, decisions).items()):
        decisions = update_decisions(path, lambda current: _rekey(current, brief))
    return attach(brief, decisions)


# --- for the briefing -------------------------------------------------------------------------------


def status_of(flag: Discrepancy) -> ReviewStatus:
    """The flag's review status; a flag nobody decided on is open."""
    return flag.review.status if flag.review else "open"


def review_summary_line(brief: Brief) -> str:
    """E.g. '12 flags: 3 confirmed, 1 dismissed, 8 open' (orphaned decisions are listed on their own)."""
    total = len(brief.discrepancies)
    counts = Counter(status_of(f) for f in brief.discrepancies)
    line = f"{total} flag{'' if total == 1 else 's'}"
    if total:
        line += ": " + ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    return line


OPTIONS_NAME = "review-options.json"


def remembered_hide_dismissed(out_dir: Path) -> bool:
    """Whether dismissed flags are left out of this briefing's Markdown/HTML, as last asked in DIR."""
    try:
        data = json.loads((Path(out_dir) / OPTIONS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # never asked, or unreadable: the default, which hides nothing
    return bool(isinstance(data, dict) and data.get("hide_dismissed"))


def remember_hide_dismissed(out_dir: Path, hide: bool) -> None:
    """Keep --hide-dismissed/--show-dismissed in DIR so the next update, from any command, honours it."""
    if hide == remembered_hide_dismissed(out_dir):
        return
    try:
        write_text_atomic(Path(out_dir) / OPTIONS_NAME, json.dumps({"hide_dismissed": hide}, indent=2) + "\n")
    except OSError as exc:
        raise ReporterError(f"{out_dir}: cannot save the view options ({exc.strerror or exc})") from exc
