"""`reporter` and `python -m reporter`: Ctrl-C is answered from the first line on, imports included.

The SIGINT handler is installed before anything heavy is imported (click, rich, pydantic, the engine take
about a second): an interrupt during start-up prints one line and exits 130, with nothing written, never
a traceback. Once the CLI is loaded, Ctrl-C becomes KeyboardInterrupt again, which `reporter.cli.main`
turns into the same one line after the code that was interrupted has cleaned up.
"""

import _signal  # the C module: `signal` itself takes ~10 ms to import, and start-up is what we guard here
import os

EXIT_INTERRUPTED = 130


def _interrupted_during_startup(signum, frame):  # noqa: ANN001 - a signal handler's signature
    os.write(2, b"reporter: interrupted during start-up; nothing was written\n")
    os._exit(EXIT_INTERRUPTED)


def main() -> None:
    """Console-script entry point."""
    _signal.signal(_signal.SIGINT, _interrupted_during_startup)
    from reporter.cli import main as cli_main  # restores KeyboardInterrupt once it is inside its try block

    cli_main()


if __name__ == "__main__":
    main()
