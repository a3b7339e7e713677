"""The command line: a thin click layer over `reporter.pipeline`.

Exit codes: 0 success; 1 error (nothing written); 2 usage error; 3 briefing written, but some inputs
or model steps failed (they are listed in the briefing and on stderr); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reporter import __version__
from reporter.terminal import for_terminal  # a few lines of `re`: cheap enough for start-up

if TYPE_CHECKING:
    from rich.console import Console

# Only click is imported up front: `reporter --help` answers in a fraction of a second, and each command
# imports what it needs (the engine, pydantic models, the model client) when it runs.

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


@cache
def _console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


# What this run has put on disk, for the message after Ctrl-C.
_STATE: dict[str, str | None] = {"published": None}


def fail(message: str) -> None:
    """One line on stderr, exit 1: the user never sees a traceback for a known problem."""
    from rich.markup import escape

    _console().print(f"[bold red]reporter: error:[/] {escape(for_terminal(message))}")
    sys.exit(EXIT_ERROR)


def _json_target(json_to: str) -> Path:
    """--json FILE, or FOLDER/brief.json when the path is an existing folder."""
    path = Path(json_to)
    return path / "brief.json" if path.is_dir() else path


class LazyGroup(click.Group):
    """Subcommands defined in other modules are imported only when they run (or their own help is asked)."""

    # name -> (module, attribute, the first line of its help, shown in `reporter --help`; a test keeps it in step)
    LAZY = {
        "review": ("reporter.review_cli", "review",
                   "Review the flags of the briefing in DIR: confirm, dismiss or mark them for checking."),
        "serve": ("reporter.serve.command", "serve",
                  "Review the briefing in DIR in your browser: filter, search, confirm, dismiss, note, correct."),
        "doctor": ("reporter.llm_cli", "doctor",
                   "Check the model configuration: reach the server, list its models, probe the output mode and "
                   "window."),
        "logs": ("reporter.llm_cli", "logs",
                 "Show the logged model calls: prompt, answer or error, latency and tokens (never the API key)."),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY and name not in self.commands:
            module, attr, _ = self.LAZY[name]
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            limit = formatter.width - 6 - len(name)  # as click.Group.format_commands
            if name in self.commands:
                cmd = self.commands[name]
                if not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(limit)))
            else:
                rows.append((name, click.Command(name, help=self.LAZY[name][2]).get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reporter")
def cli() -> None:
    """Cross-source briefings of news articles: summaries, agreements and flagged discrepancies.

    \b
    Examples:
      reporter brief seeds/ --out reports/seeds   # write brief.md, brief.html and brief.json
      reporter serve reports/seeds                # review the flags in your browser
      reporter review reports/seeds               # ... or on the terminal
      reporter doctor --base-url http://127.0.0.1:11434/v1 --model qwen3:8b   # will LLM mode work?
      reporter logs -n 5                          # the last model calls
      reporter COMMAND --help                     # a command's options, examples and environment

    \b
    Environment (every variable reporter reads):
      OPENAI_API_KEY       API key of OpenAI or an OpenAI-compatible server; never written anywhere
      OPENAI_BASE_URL      OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama)
      REPORTER_MODEL       model name, or provider:model (like --model)
      REPORTER_CACHE_DIR   folder of the model response cache [default: the user's cache folder]
      REPORTER_PRICES      price table for --dry-run cost estimates [default: the bundled one]
      REPORTER_PROMPTS     folder of prompt templates [default: the bundled prompts/]
      REPORTER_LOGS        the model call log database (reporter logs) [default: in the user's data folder]
      REPORTER_REVIEWER    the reviewer's name for review and serve [default: your login name]
      REPORTER_DEBUG       show the traceback of an internal error
      REPORTER_PROGRESS    1: progress lines on stderr even when it is not a terminal; 0: never
      SOURCE_DATE_EPOCH    when set, brief.json carries no wall time (reproducible output)
    """


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for brief.md, brief.html and brief.json [default: reports/<first input's name>].")
@click.option("--offline", is_flag=True, help="Never call a model: evidence engine only.")
@click.option("--json", "json_to", type=click.Path(allow_dash=True), default=None,
              help="Also write brief.json to this file, or to stdout with '-'.")
@click.option("--hide-dismissed/--show-dismissed", default=None,
              help="Leave flags an editor dismissed out of Markdown and HTML, or put them back; remembered in DIR.")
@click.option("--max-input-bytes", type=click.IntRange(min=1), default=None, help="Largest input file read.")
@click.option("--max-sources", type=click.IntRange(min=1), default=None,
              help="Most input files read in one run [default: 1000].")
@click.option("--max-analysed-chars", type=click.IntRange(min=1), default=None,
              help="Longest article text the evidence engine analyses [default: 200000].")
@click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr.")
@click.option("--model", default=None, help="Model name, or provider:model [env REPORTER_MODEL; default gpt-4o-mini].")
@click.option("--base-url", default=None, help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 "
              "[env OPENAI_BASE_URL].")
@click.option("--no-cache", is_flag=True, help="Ask the model again even when the local cache has the answer.")
@click.option("--dry-run", is_flag=True, help="Print the planned model requests with token counts and cost; "
              "send nothing, write nothing.")
@click.option("--max-requests", type=click.IntRange(min=0), default=None, help="Cap on model requests this run.")
@click.option("--max-tokens", type=click.IntRange(min=0), default=None, help="Cap on model tokens (in + out).")
@click.option("--concurrency", type=click.IntRange(min=1), default=None,
              help="Most model requests at once [adaptive: 4, rising to 16 while the server keeps up].")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds to wait for one model answer [600 for a local or private-network server, else 60].")
@click.option("--context-window", type=click.IntRange(min=512), default=None,
              help="The model's context window in tokens [asked of the server, else known or conservative].")
@click.option("--reasoning-effort", type=click.Choice(["minimal", "low", "medium", "high"]), default=None,
              help="reasoning_effort for reasoning models (o-series, gpt-5).")
@click.option("--record", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Save every model request and response of the run to this cassette (YAML, or .json).")
@click.option("--replay", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Answer every model request from this cassette; no network; a missing request fails.")
def brief(inputs: tuple[str, ...], out_dir: Path | None, offline: bool, json_to: str | None,
          hide_dismissed: bool | None, max_input_bytes: int | None, max_sources: int | None,
          max_analysed_chars: int | None, quiet: bool,
          model: str | None, base_url: str | None, no_cache: bool, dry_run: bool, max_requests: int | None,
          max_tokens: int | None, concurrency: int | None, timeout_s: float | None, context_window: int | None,
          reasoning_effort: str | None, record: Path | None, replay: Path | None) -> None:
    """Write the briefing of INPUT files and folders (.txt, .md, .html, .json).

    Without a model configured (or with --offline) the evidence engine alone writes it; with one it adds
    model summaries and a model-checked brief, every quote checked against the sources.

    \b
    Examples:
      reporter brief seeds/ --out reports/seeds
      reporter brief a.html b.json c.txt --out out/ --offline
      OPENAI_API_KEY=sk-... reporter brief articles/ --model gpt-4o-mini
      reporter brief articles/ --base-url http://127.0.0.1:11434/v1 --model llama3.1   # Ollama
      reporter brief articles/ --base-url http://127.0.0.1:8000/v1   # vLLM: its only model is used
      reporter brief articles/ --dry-run                  # what would be sent, and what it costs
      reporter brief articles/ --record run.yaml          # later: --replay run.yaml, no network

    \b
    Environment:
      OPENAI_API_KEY       API key (never written anywhere)
      OPENAI_BASE_URL      OpenAI-compatible endpoint (like --base-url)
      REPORTER_MODEL       model name (like --model)
      REPORTER_CACHE_DIR   folder of the response cache
      REPORTER_PRICES      price table for --dry-run costs
      REPORTER_PROMPTS     folder of prompt templates
      REPORTER_LOGS        the call log database (see reporter logs)
      REPORTER_DEBUG       show the traceback of an internal error
      REPORTER_PROGRESS    1: progress lines on stderr even when it is not a terminal; 0: never
      SOURCE_DATE_EPOCH    when set, brief.json carries no wall time (reproducible output)
    """
    from reporter import pipeline, progress
    from reporter.atomic import signals_held
    from reporter.config import Config
    from reporter.errors import ReporterError
    from reporter.llm.results import cached_html, rerun_page
    from reporter.render import render_json, write_outputs
    from reporter.review import remember_hide_dismissed, remembered_hide_dismissed

    progress.set_quiet(quiet)
    out_dir = out_dir or Path("reports") / (Path(inputs[0].rstrip("/\\")).stem or "briefing")
    hide_asked = hide_dismissed
    if hide_dismissed is None:  # as last asked for this folder (reporter review/serve remember it there too)
        hide_dismissed = remembered_hide_dismissed(out_dir)
    config = Config.from_env(offline=offline or None, hide_dismissed=hide_dismissed or None, model=model,
                             base_url=base_url, use_cache=False if no_cache else None, dry_run=dry_run or None,
                             concurrency=concurrency, timeout_s=timeout_s, record=record, replay=replay,
                             context_window=context_window, reasoning_effort=reasoning_effort)
    if model and not config.llm_configured and not config.offline and not dry_run:
        raise click.UsageError(f"--model {model}: no server to ask: set OPENAI_API_KEY for OpenAI, or "
                               "OPENAI_BASE_URL / --base-url for a local or other OpenAI-compatible server "
                               "(e.g. http://127.0.0.1:11434/v1)")
    if record and replay:
        raise click.UsageError("--record and --replay cannot be used together")
    if record and not config.llm_configured:  # else the user finds out only when replaying a missing file
        raise click.UsageError(f"--record {record}: no model is configured, so there is nothing to record "
                               "(set OPENAI_API_KEY or OPENAI_BASE_URL, or pass --base-url; not --offline)")
    if max_input_bytes:
        config.limits.max_input_bytes = max_input_bytes
    if max_analysed_chars:
        config.limits.max_analysed_chars = max_analysed_chars
    if max_sources:
        config.limits.max_sources = max_sources
    config.limits.max_requests = max_requests
    config.limits.max_tokens = max_tokens
    if dry_run:
        try:
            click.echo(pipeline.plan(list(inputs), config))
        except ReporterError as exc:
            fail(str(exc))
        sys.exit(EXIT_OK)
    try:
        result = pipeline.run(list(inputs), config, out_dir)
        if not config.llm_configured and not quiet:
            _console().print("reporter: offline briefing from the evidence engine (--offline)" if config.offline
                             else "reporter: no model configured, offline briefing from the evidence engine "
                             "(set OPENAI_API_KEY or OPENAI_BASE_URL, or pass --model/--base-url, to use one)")
        # --json FILE (or FOLDER/brief.json) is published with brief.*: all four appear together or none.
        also = {_json_target(json_to): render_json(result)} if json_to and json_to != "-" else {}
        with signals_held():  # a Ctrl-C arriving while publishing is answered after, naming what was written
            written = write_outputs(result, out_dir, config, also=also, to_html=cached_html(config))
            _STATE["published"] = f"{out_dir}/brief.{{md,html,json}}" + "".join(f" and {p}" for p in also)
        if hide_asked is not None:
            remember_hide_dismissed(out_dir, hide_asked)
        if json_to == "-":
            click.echo(render_json(result), nl=False)
        rerun_page(result, config)  # what a re-run with nothing changed will write, converted now
    except ReporterError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or out_dir}: {exc.strerror or exc}")
    for problem in result.problems:
        where = problem.path or problem.source_id or "run"
        _console().print(f"reporter: warning: {for_terminal(where)}: {for_terminal(problem.message)}", markup=False)
    if result.orphaned_reviews:  # an editor's decision no longer on any flag must not go unnoticed
        _console().print(f"reporter: warning: {len(result.orphaned_reviews)} editor decision(s) match no flag in this "
                         "run; kept in review.json and listed under 'Orphaned decisions'", markup=False)
    if not quiet:
        kinds: dict[str, int] = {}
        for d in result.discrepancies:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
        by_kind = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"
        _console().print(f"reporter: {len(result.sources)} sources, {len(result.discrepancies)} flags ({by_kind}); "
                         f"wrote {written['md'].parent}/brief.{{md,html,json}}", markup=False)
    failed = [p for p in result.problems if p.step != "evidence"]
    sys.exit(EXIT_PARTIAL if failed else EXIT_OK)


def main() -> None:
    """Entry point body: known errors are one line; anything else too, unless REPORTER_DEBUG is set.

    Ends with SystemExit(code); `reporter.__main__.main` turns that into the process exit.
    """
    try:
        # From here Ctrl-C is KeyboardInterrupt (reporter.__main__ answered it itself during the imports),
        # so code that is interrupted cleans up (temporary files, the cache) before the line below.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.unraisablehook = _unraisable
        # Not click's main(): it turns Ctrl-C into an empty line and "Aborted!" with exit 1; an interrupt is
        # one line and 130. This is the rest of what it does: parse, invoke, honour --help/--version exits.
        try:
            with cli.make_context("reporter", sys.argv[1:]) as ctx:
                code = cli.invoke(ctx)
        except click.exceptions.Exit as exc:
            code = exc.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        _interrupted()
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        if os.environ.get("REPORTER_DEBUG"):
            raise
        _console().print(f"reporter: internal error: {type(exc).__name__}: {for_terminal(exc)} "
                      "(set REPORTER_DEBUG=1 for the traceback, and please report it)", markup=False)
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """An error Python cannot raise (in a weakref callback, a __del__): never a traceback for the user.

    A Ctrl-C can land inside the import machinery's lock callback during a lazy import, where Python would
    print "Exception ignored ... Traceback ... KeyboardInterrupt" and carry on as if nothing was pressed.
    It is delivered again instead, so the run stops with its usual one line.
    """
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        import _thread

        # From another thread: Python then raises it in the main thread once this hook has returned.
        _thread.start_new_thread(_thread.interrupt_main, ())
        return
    if os.environ.get("REPORTER_DEBUG"):
        sys.__unraisablehook__(unraisable)
        return
    _console().print(f"reporter: warning: ignored {unraisable.exc_type.__name__}: {for_terminal(unraisable.exc_value)}",
                     markup=False)


def _interrupted() -> None:
    """One line saying what is on disk, then exit 130."""
    published = _STATE["published"]
    message = (f"reporter: interrupted after writing {published}" if published
               else "reporter: interrupted; existing outputs were left as they were")
    _console().print(for_terminal(message), markup=False)
    sys.exit(EXIT_INTERRUPTED)


