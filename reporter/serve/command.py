"""The `reporter serve` command: bind a local port, print the URL, open the browser, serve until Ctrl-C."""

from __future__ import annotations

import os
import socket
import sys
import webbrowser
from pathlib import Path

import click

from reporter.errors import ReporterError
from reporter.review import default_reviewer

DEFAULT_PORT = 8765
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def bind(host: str, port: int | None) -> socket.socket:
    """A listening socket on host:port; with no --port, DEFAULT_PORT or else any free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in ([port] if port is not None else [DEFAULT_PORT, 0]):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as exc:
            sock.close()
            if port is None and candidate == DEFAULT_PORT:
                continue
            raise ReporterError(f"cannot listen on {host}:{candidate} ({exc.strerror or exc}); "
                                "pick another with --port") from exc
        sock.listen(64)
        sock.set_inheritable(True)
        return sock
    raise ReporterError(f"cannot listen on {host}")  # pragma: no cover - port 0 always binds


def graphical_session() -> bool:
    """Whether opening a browser can show a window. Without a display, Python's webbrowser falls back to a
    console browser (lynx, w3m) that would take over this terminal, so we only print the URL then."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@click.command("serve")
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback lets others on the network decide on your flags.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help=f"Port to listen on [default: {DEFAULT_PORT}, or a free one if taken; 0: any free port].")
@click.option("--no-open", is_flag=True, help="Don't open a browser; just print the URL.")
@click.option("--reviewer", help="Who decides. Default: $REPORTER_REVIEWER, else your login name.")
@click.option("--hide-dismissed/--show-dismissed", default=None,
              help="When rewriting brief.md/brief.html, leave dismissed flags out (remembered in DIR).")
def serve(out_dir: Path, host: str, port: int | None, no_open: bool, reviewer: str | None,
          hide_dismissed: bool | None) -> None:
    """Review the briefing in DIR in your browser: filter, search, confirm, dismiss, note, correct.

    Every decision is saved at once in DIR/review.json (the same file and lock as `reporter review`, so
    both can be used together) and brief.md, brief.html and brief.json are rewritten to show it.
    The page is served on 127.0.0.1 only, unless --host says otherwise. Ctrl-C stops the server.

    \b
    Examples:
      reporter serve reports/seeds                 # opens http://127.0.0.1:8765/
      reporter serve reports/seeds --no-open --port 9000
      REPORTER_REVIEWER=ana reporter serve reports/seeds

    \b
    Environment:
      REPORTER_REVIEWER   the reviewer's name when --reviewer is not given
      REPORTER_DEBUG      show tracebacks of internal errors
    """
    import uvicorn  # imported here: the rest of the CLI does not pay for the web stack

    from reporter.review import apply_reviews
    from reporter.review_cli import load_brief
    from reporter.serve.app import ReviewServer, create_app

    try:
        apply_reviews(load_brief(out_dir), out_dir)  # fail now, with the usual one-line error, not on page load
        sock = bind(host, port)
    except ReporterError as exc:
        click.echo(f"reporter: error: {exc}", err=True)
        sys.exit(1)
    bound_port = sock.getsockname()[1]
    server = ReviewServer(out_dir, host, bound_port, default_reviewer(reviewer), hide_dismissed)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown_host}:{bound_port}/"
    if host not in LOOPBACK_HOSTS:
        click.echo(f"reporter: warning: listening on {host}, not only on this machine: anyone who can reach "
                   "this address can read the briefing (the page's token still guards writes)", err=True)
    click.echo(f"reporter: reviewing {out_dir} at {url}  (Ctrl-C to stop)", err=True)
    config = uvicorn.Config(create_app(server), log_level="warning", access_log=False, lifespan="off")
    if not no_open:
        if graphical_session():
            webbrowser.open(url)
        else:
            click.echo("reporter: no graphical session here; open the URL above in a browser", err=True)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    click.echo("reporter: stopped; every decision is saved in " + str(out_dir / "review.json"), err=True)
    sys.exit(130)
