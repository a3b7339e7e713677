"""The command line: a thin click layer over `reporter.pipeline`.

Exit codes: 0 success; 1 error (nothing written); 2 usage error; 3 briefing written, but some inputs
or model steps failed (they are listed in the briefing and on stderr).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from reporter import __version__, pipeline
from reporter.atomic import write_text_atomic
from reporter.config import Config
from reporter.errors import ReporterError
from reporter.render import render_json, write_outputs

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str) -> None:
    """One line on stderr, exit 1: the user never sees a traceback for a known problem."""
    console.print(f"[bold red]reporter: error:[/] {escape(message)}")
    sys.exit(EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reporter")
def cli() -> None:
    """Cross-source briefings of news articles: summaries, agreements and flagged discrepancies."""


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for brief.md, brief.html and brief.json [default: reports/<first input's name>].")
@click.option("--offline", is_flag=True, help="Never call a model: evidence engine only.")
@click.option("--json", "json_to", type=click.Path(allow_dash=True), default=None,
              help="Also write brief.json to this file, or to stdout with '-'.")
@click.option("--hide-dismissed", is_flag=True, help="Leave flags an editor dismissed out of Markdown and HTML.")
@click.option("--max-input-bytes", type=click.IntRange(min=1), default=None, help="Largest input file read.")
@click.option("--max-analysed-chars", type=click.IntRange(min=1), default=None,
              help="Longest article text the evidence engine analyses [default: 200000].")
@click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr.")
def brief(inputs: tuple[str, ...], out_dir: Path | None, offline: bool, json_to: str | None,
          hide_dismissed: bool, max_input_bytes: int | None, max_analysed_chars: int | None, quiet: bool) -> None:
    """Write the briefing of INPUT files and folders (.txt, .md, .html, .json)."""
    config = Config.from_env(offline=offline or None, hide_dismissed=hide_dismissed or None)
    if max_input_bytes:
        config.limits.max_input_bytes = max_input_bytes
    if max_analysed_chars:
        config.limits.max_analysed_chars = max_analysed_chars
    out_dir = out_dir or Path("reports") / (Path(inputs[0].rstrip("/\\")).stem or "briefing")
    try:
        result = pipeline.run(list(inputs), config)
        if not config.llm_configured and not quiet:
            console.print("reporter: no model configured, offline briefing from the evidence engine "
                          "(set OPENAI_API_KEY or OPENAI_BASE_URL, or pass --model/--base-url, to use one)")
        written = write_outputs(result, out_dir, config)
        if json_to == "-":
            click.echo(render_json(result), nl=False)
        elif json_to:
            write_text_atomic(Path(json_to), render_json(result))
    except ReporterError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or out_dir}: {exc.strerror or exc}")
    for problem in result.problems:
        where = problem.path or problem.source_id or "run"
        console.print(f"reporter: warning: {where}: {problem.message}", markup=False)
    if not quiet:
        kinds: dict[str, int] = {}
        for d in result.discrepancies:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
        by_kind = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"
        console.print(f"reporter: {len(result.sources)} sources, {len(result.discrepancies)} flags ({by_kind}); "
                      f"wrote {written['md'].parent}/brief.{{md,html,json}}", markup=False)
    failed = [p for p in result.problems if p.step != "evidence"]
    sys.exit(EXIT_PARTIAL if failed else EXIT_OK)


def main() -> None:
    """Console-script entry point: known errors are one line; anything else too, unless REPORTER_DEBUG is set."""
    try:
        cli.main(prog_name="reporter", standalone_mode=True)
    except KeyboardInterrupt:
        console.print("reporter: interrupted; existing outputs were left as they were")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        if os.environ.get("REPORTER_DEBUG"):
            raise
        console.print(f"reporter: internal error: {type(exc).__name__}: {exc} "
                      "(set REPORTER_DEBUG=1 for the traceback, and please report it)", markup=False)
        sys.exit(EXIT_ERROR)
