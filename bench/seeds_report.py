"""Benchmark 4: the offline briefing of seeds/ -- flags by kind and how long it takes."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections import Counter

from bench.common import ROOT, offline_config, row

SEEDS = ROOT / "seeds"


def run(quick: bool = False) -> tuple[dict, list[dict]]:
    """Time the CLI end to end (fresh process) and the pipeline in-process; count flags by kind."""
    from reporter.pipeline import run as run_pipeline

    results: dict = {}
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "reporter", "brief", str(SEEDS), "--out", out, "--offline"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
        results["cli_seconds"] = round(time.perf_counter() - t0, 3)
        results["cli_exit_code"] = proc.returncode
        if proc.returncode != 0:
            results["cli_error"] = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    run_pipeline([str(SEEDS)], offline_config())  # warm-up: imports and data files
    t0 = time.perf_counter()
    brief = run_pipeline([str(SEEDS)], offline_config())
    results["in_process_seconds"] = round(time.perf_counter() - t0, 3)
    kinds = Counter(d.kind for d in brief.discrepancies)
    severities = Counter(d.severity for d in brief.discrepancies)
    results.update({
        "sources": len(brief.sources),
        "flags": len(brief.discrepancies),
        "flags_by_kind": dict(sorted(kinds.items())),
        "flags_by_severity": dict(sorted(severities.items())),
        "consensus_points": len(brief.consensus),
        "problems": len(brief.problems),
    })
    by_kind = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none"
    rows = [
        row("seeds", "offline CLI run of seeds/ (fresh process), s", f"{results['cli_seconds']:.2f}"
            + ("" if proc.returncode == 0 else f" (exit {proc.returncode})")),
        row("seeds", "offline pipeline.run(seeds/) in-process, warm, s", f"{results['in_process_seconds']:.2f}"),
        row("seeds", f"flags: {results['flags']}", by_kind),
    ]
    return results, rows
