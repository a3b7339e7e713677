"""`reporter review DIR`: the editor's decisions on a briefing's flags, interactively or from scripts."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast, get_args

import click
from pydantic import ValidationError
from rich.console import Console

from reporter.atomic import write_text_atomic
from reporter.config import Config
from reporter.errors import InputError, ReporterError
from reporter.models import Brief, Discrepancy, DiscrepancyKind, ReviewStatus
from reporter.render import source_label, write_outputs
from reporter.review import (
    STATUSES,
    apply_reviews,
    attach,
    default_reviewer,
    locked_decisions,
    record_decision,
    remember_hide_dismissed,
    remembered_hide_dismissed,
    review_summary_line,
    status_of,
)
from reporter.review_walk import walk
from reporter.terminal import for_terminal

BRIEF_NAME = "brief.json"
KINDS = list(get_args(DiscrepancyKind))
# Spreadsheets run cells starting with these as formulas; article text is untrusted (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FIELDS = [
    "id",
    "kind",
    "severity",
    "confidence",
    "title",
    "status",
    "note",
    "correction",
    "reviewer",
    "decided_at",
    "evidence",
    "orphaned",
]


def load_brief(out_dir: Path) -> Brief:
    """The briefing in `out_dir`/brief.json, or InputError naming the file and the problem."""
    path = out_dir / BRIEF_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "no briefing here; write one with `reporter brief INPUT... --out DIR`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read it ({exc})") from exc
    try:
        return Brief.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise InputError(str(path), f"not a reporter briefing ({where}: {first['msg']})") from exc


def find_flag(brief: Brief, wanted: str) -> Discrepancy:
    """The flag with id `wanted`, or the only one whose id starts with it; else a usage error (exit 2)."""
    matches = [f for f in brief.discrepancies if f.id == wanted] or [
        f for f in brief.discrepancies if f.id.startswith(wanted)
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise click.BadParameter(f"{wanted}: ambiguous flag id, matches {', '.join(f.id for f in matches)}",
                                 param_hint="--set")
    raise click.BadParameter(f"{wanted}: no such flag in this briefing (see `reporter review DIR --list`)",
                             param_hint="--set")


def parse_set(item: str) -> tuple[str, ReviewStatus]:
    """'ID=STATUS' -> (id, status), or a usage error (exit 2)."""
    flag_id, sep, status = item.partition("=")
    if not sep or not flag_id.strip():
        raise click.BadParameter(f"{item}: expected ID=STATUS", param_hint="--set")
    status = status.strip()
    if status not in STATUSES:
        raise click.BadParameter(f"{item}: unknown status {status!r}; use one of {', '.join(STATUSES)}",
                                 param_hint="--set")
    return flag_id.strip(), cast(ReviewStatus, status)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_rows(brief: Brief) -> list[dict[str, object]]:
    """One row per flag and per orphaned decision, as written by --export."""
    rows: list[dict[str, object]] = []
    for f in brief.discrepancies:
        review = f.review
        rows.append(
            {
                "id": f.id,
                "kind": f.kind,
                "severity": f.severity,
                "confidence": f.confidence,
                "title": f.title,
                "status": status_of(f),
                "note": review.note if review else None,
                "correction": review.correction if review else None,
                "reviewer": review.reviewer if review else None,
                "decided_at": review.decided_at if review else None,
                "evidence": [e.model_dump() for e in f.evidence],
                "orphaned": False,
            }
        )
    for o in brief.orphaned_reviews:
        rows.append(
            {
                **dict.fromkeys(EXPORT_FIELDS),
                "id": o.discrepancy_id,
                "title": o.title,
                **o.review.model_dump(),
                "evidence": [],
                "orphaned": True,
            }
        )
    return rows


def export_text(brief: Brief, path: Path) -> str:
    """The export file's text: CSV or JSON by the file's extension."""
    rows = export_rows(brief)
    if path.suffix.lower() == ".json":
        doc = {"summary": review_summary_line(brief), "flags": rows}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    buf = io.StringIO()
    # RFC 4180 line ends: the csv module then quotes every cell holding a CR or LF (with "\n" alone, a bare
    # CR went out unquoted and split the row, so the next "cell" could start with a formula).
    writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        evidence = " | ".join(f"{e['source_id']}: {e['text']}" for e in row["evidence"])  # type: ignore[index]
        row = {**row, "evidence": evidence, "orphaned": "yes" if row["orphaned"] else "no"}
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()


def list_lines(brief: Brief, status: str | None, only: Callable[[Discrepancy], bool] | None = None) -> list[str]:
    """--list: one tab-separated line per flag (id, status, severity, kind, title); orphans by request."""
    # Every field through for_terminal: ids, titles and notes come from articles and review.json.
    if status == "orphaned":
        return [
            f"{for_terminal(o.discrepancy_id)}\torphaned:{o.review.status}\t-\t-\t{for_terminal(o.title or '')}"
            for o in brief.orphaned_reviews
        ]
    return [
        f"{for_terminal(f.id)}\t{status_of(f)}\t{f.severity}\t{f.kind}\t{for_terminal(f.title)}"
        for f in brief.discrepancies
        if (status is None or status_of(f) == status) and (only is None or only(f))
    ]


def flag_filter(brief: Brief, kinds: tuple[str, ...], severities: tuple[str, ...],
                sources: tuple[str, ...]) -> Callable[[Discrepancy], bool] | None:
    """--kind/--severity/--source as one predicate (None when no filter was given).

    A --source value matches a source's id (or its start), its outlet, or the name the briefing gives it,
    ignoring case; a value matching no source is a usage error naming the choices.
    """
    if not (kinds or severities or sources):
        return None
    labels = source_label(brief)
    wanted: set[str] = set()
    for value in sources:
        v = value.casefold()
        hits = {s.id for s in brief.sources if s.id.casefold().startswith(v) or v in (
            (s.outlet or "").casefold(), labels[s.id].casefold())}
        if not hits:
            names = ", ".join(sorted({labels[s.id] for s in brief.sources}))
            raise click.BadParameter(f"{value!r} matches no source; sources: {names}", param_hint="--source")
        wanted |= hits
    return lambda f: ((not kinds or f.kind in kinds) and (not severities or f.severity in severities)
                      and (not wanted or any(e.source_id in wanted for e in f.evidence)))


@click.command("review", epilog="""\b
Examples:
  reporter review reports/seeds                      # walk the open flags, most severe first
  reporter review reports/seeds --severity high --source CNN
  reporter review reports/seeds --list --status open --kind spelling
  reporter review reports/seeds --set fa-f5bea0c09a=confirmed --note "checked with the wire"
  reporter review reports/seeds --export flags.csv
  reporter serve reports/seeds                       # the same review in a web page

\b
Environment:
  REPORTER_REVIEWER   the reviewer's name when --reviewer is not given
  REPORTER_DEBUG      show tracebacks of internal errors""")
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--list", "list_", is_flag=True, help="Print the flags (id, status, severity, kind, title).")
@click.option(
    "--status",
    type=click.Choice([*STATUSES, "orphaned"]),
    help="With --list: only flags with this status ('orphaned': decisions whose flag is gone).",
)
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Only flags of this kind (repeatable); for the walk and --list.")
@click.option("--severity", "severities", multiple=True, type=click.Choice(["high", "medium", "low"]),
              help="Only flags of this severity (repeatable); for the walk and --list.")
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Only flags with evidence from this source: id, outlet or name as in the briefing (repeatable).")
@click.option("--set", "sets", multiple=True, metavar="ID=STATUS", help="Decide on a flag (repeatable).")
@click.option("--note", help="With --set: why (an empty string clears the note).")
@click.option("--correction", help="With --set: the proposed correction (empty clears it).")
@click.option("--reviewer", help="Who decides. Default: $REPORTER_REVIEWER, else your login name.")
@click.option(
    "--export",
    "export_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every flag with its decision to FILE (.csv or .json).",
)
@click.option("--all", "everything", is_flag=True, help="Interactive: walk through every flag, not just open ones.")
@click.option("--hide-dismissed/--show-dismissed", default=None,
              help="When rewriting brief.md/brief.html, leave dismissed flags out, or put them back. "
              "Remembered in DIR for later updates.")
def review(
    out_dir: Path,
    list_: bool,
    status: str | None,
    kinds: tuple[str, ...],
    severities: tuple[str, ...],
    sources: tuple[str, ...],
    sets: tuple[str, ...],
    note: str | None,
    correction: str | None,
    reviewer: str | None,
    export_to: Path | None,
    everything: bool,
    hide_dismissed: bool | None,
) -> None:
    """Review the flags of the briefing in DIR: confirm, dismiss or mark them for checking.

    Without options, walks through the open flags one at a time, most severe first; every decision is
    saved at once in DIR/review.json, which the next `reporter brief ... --out DIR` re-attaches. After
    decisions, brief.md, brief.html and brief.json in DIR are rewritten to show them. Ctrl-C stops the
    walk (exit 130); decisions made so far are kept.

    Keys: c confirm, d dismiss, n needs-check, s skip, e note, x correction, b back, q quit, ? help.
    """
    modes = [name for name, on in (("--list", list_), ("--set", bool(sets)), ("--export", export_to)) if on]
    if len(modes) > 1:
        raise click.UsageError(f"use one of {', '.join(modes)} at a time")
    if status and not list_:
        raise click.UsageError("--status goes with --list")
    if (note is not None or correction is not None) and not sets:
        raise click.UsageError("--note and --correction go with --set")
    if (kinds or severities or sources) and (sets or export_to):
        raise click.UsageError("--kind, --severity and --source go with --list or the interactive walk")
    if export_to is not None and export_to.suffix.lower() not in (".csv", ".json"):
        raise click.UsageError(f"--export {export_to}: the file name must end in .csv or .json")
    try:
        brief = apply_reviews(load_brief(out_dir), out_dir)
        only = flag_filter(brief, kinds, severities, sources)
        who = default_reviewer(reviewer)
        if list_:
            for line in list_lines(brief, status, only):
                click.echo(line)
            click.echo(summary_with_orphans(brief), err=True)
        elif export_to is not None:
            try:
                write_text_atomic(export_to, export_text(brief, export_to))
            except OSError as exc:
                raise ReporterError(f"{export_to}: cannot write it ({exc.strerror or exc})") from exc
            click.echo(f"reporter: wrote {len(brief.discrepancies)} flags to {export_to}", err=True)
        elif sets:
            plan = [parse_set(item) for item in sets]  # check them all before saving any
            for flag, st in [(find_flag(brief, flag_id), st) for flag_id, st in plan]:
                record_decision(out_dir, flag, st, note=note, correction=correction, reviewer=who)
                click.echo(f"reporter: {flag.id}: {st}", err=True)
            refresh_briefing(out_dir, hide_dismissed)
        else:
            try:
                walk(brief, out_dir, who, Console(highlight=False), everything, only)
            except KeyboardInterrupt:
                refresh_briefing(out_dir, hide_dismissed)
                click.echo("reporter: interrupted; the decisions made so far are saved", err=True)
                sys.exit(130)
            refresh_briefing(out_dir, hide_dismissed)
    except ReporterError as exc:
        click.echo(f"reporter: error: {exc}", err=True)
        sys.exit(1)


def summary_with_orphans(brief: Brief) -> str:
    """The review summary line, plus the number of orphaned decisions if there are any."""
    n = len(brief.orphaned_reviews)
    return review_summary_line(brief) + (f"; {n} orphaned decision{'' if n == 1 else 's'}" if n else "")


def refresh_briefing(out_dir: Path, hide_dismissed: bool | None = None) -> None:
    """Rewrite brief.md/html/json from brief.json and review.json so the briefing shows the decisions.

    `hide_dismissed` None means: as last asked for this folder.
    """
    if hide_dismissed is None:
        hide_dismissed = remembered_hide_dismissed(out_dir)
    else:
        remember_hide_dismissed(out_dir, hide_dismissed)
    # Under the review lock, from the decisions as stored: a reviewer saving meanwhile waits for the rewrite,
    # and the rewrite that runs last renders every decision in review.json.
    with locked_decisions(out_dir) as decisions:
        brief = attach(load_brief(out_dir), decisions)
        try:
            write_outputs(brief, out_dir, Config(hide_dismissed=hide_dismissed))
        except OSError as exc:
            raise ReporterError(f"{out_dir}: cannot update the briefing ({exc.strerror or exc})") from exc
    click.echo(f"reporter: {summary_with_orphans(brief)}; updated {out_dir}/brief.{{md,html,json}}", err=True)
