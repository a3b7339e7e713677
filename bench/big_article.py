"""Peak memory and time of the offline briefing of one very large article (default 10 MB) beside a seed.

Each case runs `python -m reporter brief ... --offline` in its own subprocess; peak resident memory is
that child's getrusage maxrss. A baseline (two seeds) shows what the big article adds. Not a test:

    .venv/bin/python -m bench.big_article [--mb 10] [--mb 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def write_big_article(path: Path, size: int) -> Path:
    """A plausible article of about `size` bytes: the seeds' paragraphs repeated, numbered so no two match."""
    paragraphs = [p for f in SEEDS for p in f.read_text(encoding="utf-8").splitlines() if p.strip()]
    with path.open("w", encoding="utf-8") as out:
        written, n = 0, 0
        while written < size:
            line = f"{n}. {paragraphs[n % len(paragraphs)]}\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            n += 1
    return path


def measure(inputs: list[str], out: Path) -> tuple[int, float, float]:
    """Exit code, wall seconds and peak RSS (MB) of one offline run in a fresh subprocess."""
    cmd = [sys.executable, "-c",
           "import resource, sys\n"
           "from reporter.cli import main\n"
           "try:\n    main()\n"
           "finally:\n"
           "    print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n",
           "brief", *inputs, "--offline", "--quiet", "--out", str(out)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    peak_kb = next((int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KB")),
                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return proc.returncode, wall, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, action="append", help="article size in MB (repeatable) [10]")
    sizes = parser.parse_args().mb or [10.0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        code, wall, base = measure([str(SEEDS[0]), str(SEEDS[1])], folder / "base")
        print(f"baseline (2 seeds):       exit {code}  {wall:6.1f} s  peak RSS {base:6.0f} MB")
        for mb in sizes:
            big = write_big_article(folder / f"big_{mb:g}mb.txt", int(mb * 1_000_000))
            code, wall, rss = measure([str(big), str(SEEDS[0]), "--max-input-bytes", str(int(mb * 2_000_000))],
                                      folder / f"out_{mb:g}")
            print(f"{mb:g} MB article + 1 seed: exit {code}  {wall:6.1f} s  peak RSS {rss:6.0f} MB  "
                  f"(+{rss - base:.0f} MB over the baseline, {(rss - base) / mb:.1f} MB per input MB)")


if __name__ == "__main__":
    main()
