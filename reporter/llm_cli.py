"""`reporter doctor` (will LLM mode work, and how?) and `reporter logs` (the model calls made so far).

Kept out of cli.py so the main command stays thin; both import the model stack only when run.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from reporter.config import Config
from reporter.errors import ReporterError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_PROBE_PROMPT = """---
name: doctor
version: "1"
description: "reporter doctor's probe, the smallest structured request"
variables: [schema_note]
---
## system
You answer with one JSON object only.{schema_note}
## user
Reply with a JSON object whose field "ok" is true.
"""


_CONTROL = dict.fromkeys([*range(0x00, 0x20), *range(0x7F, 0xA0)], " ")


def _plain(value: object) -> str:
    """Server and model text made safe for a terminal: no control characters (no escape sequences)."""
    return " ".join(str(value).translate(_CONTROL).split())


def _line(name: str, value: str) -> None:
    out.print(f"  {name + ':':<10}{escape(_plain(value))}")


def _bad(reason: str) -> None:
    err.print(f"[bold red]reporter doctor: LLM mode cannot work:[/] {escape(_plain(reason))}")
    sys.exit(1)


@click.command()
@click.option("--model", default=None, help="Model name [env REPORTER_MODEL].")
@click.option("--base-url", default=None, help="OpenAI-compatible endpoint [env OPENAI_BASE_URL].")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds to wait for the probe's answer.")
@click.option("--context-window", type=click.IntRange(min=512), default=None, help="Override the window.")
@click.option("--no-probe", is_flag=True, help="Do not send the one small test request.")
def doctor(model: str | None, base_url: str | None, timeout_s: float | None, context_window: int | None,
           no_probe: bool) -> None:
    """Check the model configuration: reach the server, list its models, probe the output mode and window.

    Exits 0 when LLM mode will work, 1 with the reason when it cannot. Sends one small request (not with
    --no-probe) and remembers what it learned (output mode, refused parameters) for later runs.

    \b
    Examples:
      reporter doctor                                         # OPENAI_API_KEY / OPENAI_BASE_URL as set
      reporter doctor --base-url http://127.0.0.1:11434/v1 --model qwen3:8b     # Ollama
      reporter doctor --base-url http://127.0.0.1:8000/v1                       # vLLM: its only model

    \b
    Environment:
      OPENAI_API_KEY       API key (never shown)
      OPENAI_BASE_URL      OpenAI-compatible endpoint (like --base-url)
      REPORTER_MODEL       model name (like --model)
      REPORTER_CACHE_DIR   where learned server settings are kept
      REPORTER_LOGS        the call log database the probe is logged in
    """
    from pydantic import BaseModel, ConfigDict, Field

    from reporter.llm.client import ModelClient
    from reporter.llm.connect import connect
    from reporter.llm.live import timeout_for
    from reporter.llm.prompts import parse_prompt
    from reporter.llm.server import describe_models, discover, is_local
    from reporter.llm.structured import StructuredCaller

    config = Config.from_env(model=model, base_url=base_url, timeout_s=timeout_s, context_window=context_window)
    out.print("reporter doctor")
    if not config.llm_configured:
        _line("model", "none configured")
        _bad("no model configured: set OPENAI_API_KEY for OpenAI, or OPENAI_BASE_URL / --base-url for a local "
             "or other OpenAI-compatible server; until then reporter runs offline (evidence engine only)")
    where = config.base_url or "https://api.openai.com/v1 (OpenAI)"
    _line("server", where + (" (local or private network)" if is_local(config.base_url) else ""))
    _line("key", "set (not shown)" if config.api_key else "not set" + (" (a local server needs none)"
                                                                          if config.base_url else ""))
    info = None
    if config.base_url:
        info = discover(config.base_url, config.model,
                        config.api_key.get_secret_value() if config.api_key else None)
        if not info.reachable:
            _bad(info.error or f"cannot reach {config.base_url}")
        _line("kind", info.kind)
        _line("models", describe_models(info.models) if info.models else
              f"the server lists none ({info.error or 'empty list'})")
        unlisted = config.model and info.models and config.model not in info.models \
            and f"{config.model}:latest" not in info.models
        if unlisted and no_probe:  # some servers (TGI, llama.cpp) answer to any name: the probe tells
            _line("note", f"{config.model!r} is not in the server's list; the probe would tell if it answers")
    try:
        conn = connect(config, info=info)
    except ReporterError as exc:
        _bad(str(exc))
    _line("model", conn.model)
    _line("window", f"{conn.window} tokens ({conn.window_source})")
    _line("timeout", f"{timeout_for(config):g} s")
    _line("params", ", ".join(f"{k}={v}" for k, v in conn.params.items()) or "none (model defaults)")
    if no_probe:
        _line("output", (conn.mode or "unknown") + " (not probed)")
        out.print("ok: configuration looks usable (not probed)")
        return

    class Probe(BaseModel):
        """The probe's answer."""

        model_config = ConfigDict(extra="forbid")
        ok: bool = Field(description="True.")

    run_config = config.model_copy(update={"model": conn.model, "use_cache": False, "max_retries": 0})
    client = ModelClient(run_config, window_tokens=conn.window)
    caller = StructuredCaller(client, conn.model, params=conn.params, mode=None, on_learn=conn.learn)
    from reporter.tokens import count_tokens

    count_tokens("", conn.model)  # build the tokenizer first: the probe's time is the server's
    started = time.perf_counter()
    try:
        caller.ask(parse_prompt(_PROBE_PROMPT, "doctor probe"), {}, Probe)
    except ReporterError as exc:
        _line("output", f"{caller.mode} (probe failed)")
        _bad(str(exc))
    finally:
        client.close()
    dropped = f"; refused and dropped: {', '.join(caller.dropped)}" if caller.dropped else ""
    _line("output", f"{caller.mode} (probe answered in {time.perf_counter() - started:.2f} s, "
                    f"{client.budget.requests} request(s){dropped})")
    out.print("ok: LLM mode will work")


@click.command()
@click.option("-n", "--count", type=click.IntRange(min=1), default=20, help="How many calls, newest first [20].")
@click.option("--errors", "errors_only", is_flag=True, help="Only calls that failed.")
@click.option("--model", default=None, help="Only calls to this model.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON (every field).")
@click.option("--path", "show_path", is_flag=True, help="Print the log database's path and exit.")
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Read this log database [env REPORTER_LOGS; default in the user data folder].")
def logs(count: int, errors_only: bool, model: str | None, as_json: bool, show_path: bool,
         database: Path | None) -> None:
    """Show the logged model calls: prompt, answer or error, latency and tokens (never the API key).

    \b
    Examples:
      reporter logs                  # the last 20 calls, newest first
      reporter logs -n 5 --errors    # the last 5 failed calls
      reporter logs --json           # every field, including the messages sent
      reporter logs --path           # where the database is (SQLite: query it directly)

    \b
    Environment:
      REPORTER_LOGS        the call log database [default: logs.db in the user's data folder]
    """
    import sqlite3

    from reporter.llm.calllog import default_log_path, read_calls

    path = database or default_log_path()
    if show_path:
        click.echo(str(path))
        return
    try:
        rows = read_calls(path, count, errors_only, model)
    except sqlite3.Error as exc:
        err.print(f"reporter: error: {escape(str(path))}: cannot read the call log: {escape(str(exc))}")
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        out.print(f"no model calls logged in {escape(str(path))}")
        return
    for row in rows:
        status = f"error: {row['error']}" if row["error"] else f"ok ({row['finish_reason'] or '-'})"
        tokens = f"{row['input_tokens'] or 0}+{row['output_tokens'] or 0} tokens" if not row["error"] else ""
        source = f" for {row['source_id']}" if row["source_id"] else ""
        out.print(_plain(f"{row['created']}  {row['model']}  {row['prompt']}{source}  mode {row['mode'] or '-'}  "
                         f"{row['latency_ms']} ms  {tokens}  {status}"), markup=False)
        if row["response"]:
            text = _plain(row["response"])
            out.print(f"    -> {text[:200]}{'…' if len(text) > 200 else ''}", markup=False)
