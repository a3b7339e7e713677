#!/usr/bin/env python3
"""Set up the project's virtual environment (created once, reused) and run a job in it.

    python3 dev.py brief    # install, then write the briefing of seeds/ into reports/seeds/
    python3 dev.py test     # install with the test extra, then run the whole test suite
    python3 dev.py bench    # install with the test extra, then run every benchmark (see BENCHMARKS.md)

Standard library only, so it runs on a fresh machine with nothing but Python >= 3.11.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_venv(extra: str) -> None:
    """Create .venv if missing; (re)install the project when pyproject.toml or the extra changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"reporter needs Python >= 3.11, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        say(f"creating the virtual environment {VENV.relative_to(ROOT)}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extra or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extra}]" if extra else "."
    why = "pyproject.toml changed" if stamp.exists() else "first run"
    say(f"installing reporter{f' with its {extra} extra' if extra else ''} and its dependencies into .venv/ "
        f"({why}; a minute or two)")
    started = time.monotonic()
    cmd = [str(BIN / "python"), "-m", "pip", "install", "--progress-bar", "off", "-e", target]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log, fetched = [], 0
    for line in proc.stdout or ():
        log.append(line)
        if line.startswith("Collecting "):  # one short line per package, not pip's whole chatter
            fetched += 1
            print(f"  {fetched:3d} {line.split()[1]}", file=sys.stderr, flush=True)
    if proc.wait():
        sys.stderr.write("".join(log))
        sys.exit(f"dev.py: pip install failed (exit {proc.returncode}); its output is above")
    say(f"installed ({fetched} packages, {time.monotonic() - started:.0f} s)")
    stamp.write_text(digest)


def say(message: str) -> None:
    """What dev.py is doing, on stderr, so a long first install never looks like a hang."""
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def main() -> int:
    job = sys.argv[1] if len(sys.argv) > 1 else ""
    rest = sys.argv[2:]
    if job == "brief":
        ensure_venv("")
        cmd = [str(BIN / "reporter"), "brief", "seeds", "--out", "reports/seeds", *rest]
        # reports/seeds/ is committed: no wall time in it, so it changes only when the output does.
        os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    elif job == "test":
        ensure_venv("test")
        cmd = [str(BIN / "python"), "-m", "pytest", *rest]
    elif job == "bench":
        ensure_venv("test")
        cmd = [str(BIN / "python"), "-m", "bench", *rest]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    say("running " + " ".join(str(Path(c).relative_to(ROOT)) if c.startswith(str(ROOT)) else c for c in cmd))
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
