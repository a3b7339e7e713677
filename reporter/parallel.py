"""Both cores for independent work: a forked child computes one job while this process does the rest.

The engine's stages are pure functions of data this process already holds (parsed documents, the cluster),
so a child made by `fork` sees them without any copying or pickling on the way in; only its result comes
back, pickled through a pipe. That is what `concurrent.futures`/`multiprocessing` would do too, minus their
start-up (a spawned worker re-imports the engine and needs its inputs pickled: seconds at 1000 sources).

Output never depends on this: the child runs the same function on the same data, results are used in the
order the caller asks for them, and whenever the child cannot give a result (no `fork` on this platform, one
CPU, the child failed or was killed, its result would not pickle) the function simply runs here, so even an
exception surfaces exactly as in a sequential run.

The child ignores nothing the user does: Ctrl-C reaches the whole process group, the child dies of it
silently (default SIGINT action: no traceback), and the parent, interrupted too, kills and reaps it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_forced: bool | None = None  # tests: force forking on (True) or off (False); None: decide by the machine


def cpus() -> int:
    """CPUs this process may run on (its affinity mask, so `taskset -c 0` means one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def enabled() -> bool:
    """Fork helpers when the platform has `fork`, the process may use two CPUs or more, and no other thread runs."""
    if _forced is not None:
        return _forced and hasattr(os, "fork")
    return hasattr(os, "fork") and cpus() >= 2 and _only_thread()


def _only_thread() -> bool:
    """Whether this is the only thread that could hold a lock the child needs.

    A fork copies every lock in the state it is in, but only the forking thread: a lock another thread held
    (the import lock during a lazy import, a logging or SQLite lock) stays held in the child for ever, and
    the child hangs. In LLM mode the model's worker threads run during the analysis, so it runs unforked there
    (it waits on the network anyway). The progress timer only sleeps and prints, so it does not count.
    """
    from reporter.progress import THREAD_NAME

    main = threading.main_thread()
    return all(t is main or t.name == THREAD_NAME for t in threading.enumerate())


def force(value: bool | None) -> None:
    """Tests: run every job forked (True), or here (False); None restores the default."""
    global _forced
    _forced = value


class Job(Generic[T]):
    """`fn(*args)` computing in a forked child (or, when forking is off, here on `result()`)."""

    def __init__(self, fn: Callable[..., T], *args: object, fork: bool = True) -> None:
        self.fn, self.args = fn, args
        self.pid: int | None = None
        self.fd: int | None = None
        if fork and enabled():
            self._start()

    def _start(self) -> None:
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no memory or process slots left: run here instead
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
            status = 1
            try:
                os.close(read)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                from reporter import progress

                progress.silence_child()
                data = memoryview(pickle.dumps(self.fn(*self.args), protocol=pickle.HIGHEST_PROTOCOL))
                while data:
                    data = data[os.write(write, data):]
                status = 0
            except BaseException:  # noqa: BLE001 - the parent runs the job itself and sees the error there
                pass
            finally:
                os._exit(status)
        os.close(write)
        self.pid, self.fd = pid, read

    def result(self) -> T:
        """The job's value: the child's, or computed here if there is no child or it gave nothing."""
        if self.pid is None:
            return self.fn(*self.args)
        try:
            chunks = []
            while chunk := os.read(self.fd, 1 << 20):  # type: ignore[arg-type]
                chunks.append(chunk)
            data = b"".join(chunks)
            _, status = os.waitpid(self.pid, 0)
            self.pid = None
            if os.waitstatus_to_exitcode(status) == 0 and data:
                try:
                    return pickle.loads(data)
                except Exception:  # noqa: BLE001 - fall through: compute it here
                    pass
        finally:
            self.cancel()
        return self.fn(*self.args)

    def cancel(self) -> None:
        """Stop and reap the child if it is still there (the caller failed or was interrupted)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.pid is not None:
            pid, self.pid = self.pid, None
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


# Young-generation size between collections while building millions of small objects (tokens, spans): at
# CPython's default of 700, collections took a quarter of the word-consensus detector's time on long
# articles. The engine makes few reference cycles, so collecting them less often costs little memory.
RELAXED_GC_THRESHOLD = (100_000, 50, 100)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with the cyclic garbage collector triggered less often (restored afterwards)."""
    before = gc.get_threshold()
    gc.set_threshold(*RELAXED_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
