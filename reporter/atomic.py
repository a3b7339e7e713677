"""All-or-nothing file writes: a reader sees the old files or the new ones, never half of one, never a mix.

`publish` writes a set of files (a briefing's brief.md, brief.html, brief.json, and a `--json` copy) so
that they change together or not at all:

1. every new file is written to a temporary file beside its target and flushed to disk;
2. every target that exists is kept as a hard link (the undo copy);
3. with Ctrl-C (SIGINT) and SIGTERM held back, the temporaries are renamed over the targets. Each
   rename is atomic; if one fails (a full disk, a permission, a read-only folder) the ones already made
   are undone from the undo copies, so the previous set is back;
4. the undo copies and any temporary left are removed, and only then is a held-back signal delivered.

A failure raises `PublishError`, whose message says exactly what is on disk. Only a power cut or
`kill -9` in the few microseconds of step 3 can leave a mix; the undo copies then remain beside the files.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from reporter.errors import ReporterError

_HELD = {signal.SIGINT, signal.SIGTERM}


class PublishError(ReporterError, OSError):
    """Files could not be written; `strerror` adds what is on disk now. An OSError, so callers that catch
    OSError around a write keep working."""

    def __init__(self, cause: OSError, state: str) -> None:
        super().__init__(cause.errno, f"{cause.strerror or cause}; {state}", cause.filename or "output")

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write `text` to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    publish({Path(path): text})


def write_many_atomic(files: dict[Path, str]) -> None:
    """Write every file, all together or none (see `publish`)."""
    publish(files)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold back SIGINT/SIGTERM until the block ends, then deliver them; nestable.

    Python runs signal handlers in the main thread, whichever thread the OS delivered the signal to, so
    the handlers are swapped for ones that only take note (a thread signal mask would not do: with model
    requests in flight, the OS hands the signal to another thread). Elsewhere than in the main thread no
    signal can interrupt the block, and nothing is swapped.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: pending.append(signum)) for sig in _HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in pending:
            signal.raise_signal(signum)  # now, under the handler the program had before


def publish(files: dict[Path, str]) -> None:
    """Write all `files` or none of them; PublishError (an OSError's words, plus what is on disk) if not."""
    staged: list[tuple[str, Path]] = []
    undo: dict[Path, str | None] = {}  # target -> its undo copy (None: the target did not exist)
    done: list[Path] = []
    try:
        try:
            for path, text in files.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                staged.append((tmp, path))
                os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600; a briefing is shared like any file
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
        except OSError as exc:
            raise PublishError(exc, _nothing_changed(files)) from exc
        with signals_held():
            try:
                for _, path in staged:
                    undo[path] = _keep(path)
                for tmp, path in staged:
                    os.replace(tmp, path)
                    done.append(path)
            except OSError as exc:
                lost = _roll_back(done, undo)
                state = _nothing_changed(files) if not lost else (
                    "the previous files could not all be put back: " + ", ".join(map(str, lost))
                    + " now hold the new version while the other files are old")
                raise PublishError(exc, state) from exc
            finally:
                staged = [(tmp, path) for tmp, path in staged if path not in done]
                for copy in undo.values():
                    if copy is not None:
                        with contextlib.suppress(OSError):
                            os.unlink(copy)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _keep(path: Path) -> str | None:
    """A hard link to `path` as its undo copy (a copy where hard links are not allowed), or None."""
    if not path.exists():
        return None
    fd, copy = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".undo", dir=path.parent)
    os.close(fd)
    os.unlink(copy)
    try:
        os.link(path, copy)
    except OSError:
        import shutil

        shutil.copy2(path, copy)
    return copy


def _roll_back(done: list[Path], undo: dict[Path, str | None]) -> list[Path]:
    """Put the previous files back over the ones already replaced; the targets that could not be."""
    lost = []
    for path in reversed(done):
        copy = undo.get(path)
        try:
            if copy is None:
                os.unlink(path)
            else:
                os.replace(copy, path)
                undo[path] = None
        except OSError:
            lost.append(path)
    return lost


def _nothing_changed(files: dict[Path, str]) -> str:
    folders = sorted({str(p.parent) for p in files})
    return f"nothing was changed in {', '.join(folders)}"


def _file_mode(path: Path) -> int:
    """The mode the file has now, or what a plain open() would give a new file (0666 minus the umask)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
