"""Faults: a run that fails while rendering or writing leaves the previous briefing whole; LLM faults below."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from bad_input_corpus import SEED_FILES
from click.testing import CliRunner

from reporter import atomic, render
from reporter.cli import cli

OUTPUTS = ("brief.md", "brief.html", "brief.json")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in `folder` (temporary ones included) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def good_briefing(tmp_path: Path) -> Path:
    """An output folder holding a good briefing of two seeds, written by the CLI."""
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(SEED_FILES[0]), str(SEED_FILES[1]), "--out", str(out), "--offline"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    return out


def rerun(out: Path) -> object:
    """A second run, on different inputs, into the same folder."""
    return CliRunner().invoke(cli, ["brief", str(SEED_FILES[2]), str(SEED_FILES[3]), "--out", str(out), "--offline"])


def test_rendering_failing_midway_leaves_the_old_briefing_untouched(good_briefing: Path, monkeypatch) -> None:
    before = snapshot(good_briefing)

    def broken_html(markdown_text: str, title: str) -> str:  # the Markdown is done, the HTML fails
        raise MemoryError("simulated failure while rendering HTML")

    monkeypatch.setattr(render, "render_html", broken_html)
    result = rerun(good_briefing)
    assert result.exit_code != 0
    assert snapshot(good_briefing) == before


@pytest.mark.parametrize("fail_on", [1, 2, 3])
def test_disk_full_while_writing_any_file_leaves_the_old_briefing_untouched(
    good_briefing: Path, monkeypatch, fail_on: int
) -> None:
    before = snapshot(good_briefing)
    real_fdopen = os.fdopen
    opened = {"n": 0}

    class FullDisk:
        """A file handle whose write fails like a full disk, after the temp file was created."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            self.handle.write(text[: len(text) // 2])  # half the file reaches the temp file
            raise OSError(errno.ENOSPC, "No space left on device", self.handle.name)

    def fdopen(fd, *args, **kwargs):
        opened["n"] += 1
        handle = real_fdopen(fd, *args, **kwargs)
        return FullDisk(handle) if opened["n"] == fail_on else handle

    monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    result = rerun(good_briefing)
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "error" in line]
    assert "No space left on device" in line
    assert snapshot(good_briefing) == before  # no half file, no stray temporary file


def test_interrupt_while_writing_leaves_the_old_briefing_untouched(good_briefing: Path, monkeypatch) -> None:
    before = snapshot(good_briefing)
    real_fsync = os.fsync
    calls = {"n": 0}

    def interrupted_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", interrupted_fsync)
    result = CliRunner().invoke(cli, ["brief", str(SEED_FILES[2]), "--out", str(good_briefing), "--offline"])
    assert result.exit_code == 1 and "Aborted" in result.stderr  # click turns Ctrl-C into "Aborted!"
    assert snapshot(good_briefing) == before


def test_a_successful_rerun_replaces_all_three_files_and_keeps_their_mode(good_briefing: Path) -> None:
    (good_briefing / "brief.html").chmod(0o644)
    before = snapshot(good_briefing)
    result = rerun(good_briefing)
    assert result.exit_code == 0
    after = snapshot(good_briefing)
    assert sorted(after) == sorted(OUTPUTS)
    assert all(after[name] != before[name] for name in OUTPUTS)
    assert (good_briefing / "brief.html").stat().st_mode & 0o777 == 0o644
