"""`reporter` and `python -m reporter`: Ctrl-C is answered from the first line on, imports included.

The SIGINT handler is installed before anything heavy is imported (click, rich, pydantic, the engine take
about a second): an interrupt during start-up prints one line and exits 130, with nothing written, never
a traceback. Once the CLI is loaded, Ctrl-C becomes KeyboardInterrupt again, which `reporter.cli.main`
turns into the same one line after the code that was interrupted has cleaned up.
"""

import _signal  # the C module: `signal` itself takes ~10 ms to import, and start-up is what we guard here
import os
import sys

EXIT_INTERRUPTED = 130


def _interrupted_during_startup(signum, frame):  # noqa: ANN001 - a signal handler's signature
    os.write(2, b"reporter: interrupted during start-up; nothing was written\n")
    os._exit(EXIT_INTERRUPTED)


def _interrupted_while_exiting(signum, frame):  # noqa: ANN001
    os._exit(EXIT_INTERRUPTED)  # the run's own last line is already out: nothing more to say


def main() -> None:
    """Console-script entry point.

    The process ends with os._exit once its output is flushed: no wait for model requests still in flight
    after Ctrl-C, and no window at interpreter shutdown (which puts the default SIGINT action back, so a
    late Ctrl-C would kill the process without a word).
    """
    _signal.signal(_signal.SIGINT, _interrupted_during_startup)
    from reporter.cli import main as cli_main  # restores KeyboardInterrupt once it is inside its try block

    code = 1
    try:
        cli_main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:  # a second Ctrl-C while the first one's line was being written
        code = EXIT_INTERRUPTED
    finally:
        _signal.signal(_signal.SIGINT, _interrupted_while_exiting)
    import contextlib  # loaded long ago by the CLI; imported here to keep the lines above the handler few

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe must not turn the exit into a traceback
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
