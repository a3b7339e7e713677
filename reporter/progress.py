"""Progress on stderr for runs that take a while.

Silent for the first two seconds (a quick run prints nothing extra); after that one line per stage, with the
elapsed time, so that a 60-second offline run over 20 long articles does not look hung. Lines go to stderr
when it is a terminal, or always when REPORTER_PROGRESS=1; never with --quiet or REPORTER_PROGRESS=0.
Plain lines, not a redrawn bar: they read the same in a terminal, a CI log or a file.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

_DELAY_S = 2.0
THREAD_NAME = "reporter-progress"
_quiet = False
_active: list[Progress] = []  # the innermost running Progress gets the stage names


def stage(name: str) -> None:
    """Tell the running Progress (if any) that the work moved on to `name`."""
    if _active:
        _active[-1].stage(name)


def set_quiet(quiet: bool) -> None:
    """--quiet: no progress lines at all."""
    global _quiet
    _quiet = quiet


def enabled(stream: TextIO | None = None) -> bool:
    """Whether progress lines are shown."""
    setting = os.environ.get("REPORTER_PROGRESS", "")
    if _quiet or setting == "0":
        return False
    if setting == "1":
        return True
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


class Progress:
    """`with Progress("analysing 20 articles") as p: p.stage("aligning")` prints once the run passes 2 s."""

    def __init__(self, label: str, delay_s: float = _DELAY_S, stream: TextIO | None = None) -> None:
        self.label = label
        self.delay_s = delay_s
        self.stream = stream or sys.stderr
        self.on = enabled(self.stream)
        self.current = "starting"
        self.shown = False
        self.started = time.perf_counter()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Progress:
        _active.append(self)
        if self.on:
            self._timer = threading.Timer(self.delay_s, self._show)
            self._timer.daemon = True
            self._timer.name = THREAD_NAME  # reporter.parallel may fork beside it: it takes no lock a child needs
            self._timer.start()
        return self

    def stage(self, name: str) -> None:
        """The run moved on to `name`; printed at once if progress is already showing."""
        with self._lock:
            self.current = name
            if self.shown:
                self._line(name)

    def _show(self) -> None:
        with self._lock:
            self.shown = True
            self._line(self.current)

    def _line(self, text: str) -> None:
        elapsed = time.perf_counter() - self.started
        try:
            self.stream.write(f"reporter: {self.label}: {text} ({elapsed:.0f} s)\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not break the run
            self.on = False

    def __exit__(self, *exc: object) -> None:
        if self in _active:
            _active.remove(self)
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            if self.shown and exc[0] is None:
                self._line("done")


def silence_child() -> None:
    """In a forked worker (`reporter.parallel`): no progress lines; the parent process reports."""
    global _quiet
    _quiet = True
    _active.clear()
