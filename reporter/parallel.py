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
from collections.abc import Callable, Generator, Iterator
from typing import Generic, NoReturn, TypeVar

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
        if pid == 0:  # the child: compute and send

            def send_result() -> None:
                data = memoryview(pickle.dumps(self.fn(*self.args), protocol=pickle.HIGHEST_PROTOCOL))
                while data:
                    data = data[os.write(write, data):]

            _run_child(send_result, read)
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


def _run_child(body: Callable[[], None], *parent_ends: int) -> NoReturn:
    """The forked child's life: close the parent's pipe ends, run `body`, and leave without running the
    parent's exit handlers. Any error only ends the child: the parent then runs the work itself and sees it."""
    status = 1
    try:
        for fd in parent_ends:
            os.close(fd)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        from reporter import progress

        progress.silence_child()
        body()
        status = 0
    except BaseException:  # noqa: BLE001 - the parent runs the work itself and sees the error there
        pass
    finally:
        os._exit(status)


class Dialog(Generic[T]):
    """A generator function `fn(*args)` run in a forked child that meets this process half-way: it yields one
    value (`first()`), receives one back (`reply(value)`), and returns its result (`result()`).

    For work whose second half needs something only the two halves together know (the word-consensus
    detector's source reliabilities: each process aligns part of the sentence groups, and both need every
    group's support to go on). Without a child (forking off, or it failed at any point) the generator runs
    here on the same arguments with the same reply, so the values are the same either way."""

    def __init__(self, fn: Callable[..., Generator[object, object, T]], *args: object, fork: bool = True) -> None:
        self.fn, self.args = fn, args
        self.pid: int | None = None
        self.fd_in: int | None = None  # the child's messages
        self.fd_out: int | None = None  # the reply
        self._local: Generator[object, object, T] | None = None
        self._first: object = None
        self._reply: object = None
        if fork and enabled():
            self._start()

    def _start(self) -> None:
        up_r, up_w = os.pipe()
        down_r, down_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (up_r, up_w, down_r, down_w):
                os.close(fd)
            return
        if pid == 0:

            def converse() -> None:
                gen = self.fn(*self.args)
                _send(up_w, next(gen))
                try:
                    gen.send(_receive(down_r))
                    raise RuntimeError("the dialog's generator yielded twice")
                except StopIteration as done:
                    _send(up_w, done.value)

            _run_child(converse, up_r, down_w)
        os.close(up_w)
        os.close(down_r)
        self.pid, self.fd_in, self.fd_out = pid, up_r, down_w

    def first(self) -> object:
        """The value the generator yields (the child's, or computed here)."""
        if self.pid is not None:
            try:
                self._first = _receive(self.fd_in)  # type: ignore[arg-type]
                return self._first
            except (OSError, EOFError, pickle.UnpicklingError):
                self.cancel()
        self._local = self.fn(*self.args)
        self._first = next(self._local)
        return self._first

    def reply(self, value: object) -> None:
        """Send `value` back as the result of the generator's `yield`."""
        self._reply = value
        if self.pid is not None:
            try:
                _send(self.fd_out, value)  # type: ignore[arg-type]
            except OSError:  # the child is gone: result() runs the generator here
                self.cancel()

    def result(self) -> T:
        """The generator's return value (the child's, or computed here)."""
        try:
            if self.pid is not None:
                try:
                    value = _receive(self.fd_in)  # type: ignore[arg-type]
                    _, status = os.waitpid(self.pid, 0)
                    self.pid = None
                    if os.waitstatus_to_exitcode(status) == 0:
                        return value  # type: ignore[return-value]
                except (OSError, EOFError, pickle.UnpicklingError):
                    pass
        finally:
            self.cancel()
        if self._local is None:  # the child answered first() but not the rest: replay here
            self._local = self.fn(*self.args)
            next(self._local)
        try:
            self._local.send(self._reply)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        raise RuntimeError("the dialog's generator yielded twice")

    def cancel(self) -> None:
        """Stop and reap the child if it is still there."""
        for name in ("fd_in", "fd_out"):
            fd = getattr(self, name)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)
        if self.pid is not None:
            pid, self.pid = self.pid, None
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _send(fd: int, value: object) -> None:
    """One message: its length (8 bytes) and its pickle."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(8, "little") + data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> object:
    """One message written by `_send` (EOFError if the writer closed the pipe first)."""
    size = int.from_bytes(_read_exactly(fd, 8), "little")
    return pickle.loads(_read_exactly(fd, size))


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the child closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


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
