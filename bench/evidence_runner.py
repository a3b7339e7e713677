"""Runs the evidence engine's own benchmark (bench/evidence_quality.py, written by the engine's owner).

It is run as a separate process and its output kept verbatim: its figures are its owner's to define.
A JSON object on its last line of stdout is kept as data; otherwise the output's last lines are.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys

from bench.common import ROOT, row

SCRIPT = ROOT / "bench" / "evidence_quality.py"


def run(quick: bool = False) -> tuple[dict, list[dict]]:
    """Run bench.evidence_quality if present; report its output."""
    if not SCRIPT.exists():
        return {"unavailable": "bench/evidence_quality.py not present"}, [
            row("evidence", "labelled cases (bench/evidence_quality.py)", "not present")]
    proc = subprocess.run([sys.executable, "-m", "bench.evidence_quality"], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    lines = proc.stdout.strip().splitlines()
    data: dict = {"exit_code": proc.returncode, "output_tail": lines[-40:]}
    if proc.returncode != 0:
        data["stderr_tail"] = proc.stderr.strip().splitlines()[-5:]
    with contextlib.suppress(json.JSONDecodeError):
        data["data"] = json.loads(lines[-1]) if lines else None
    summary = " ".join(lines[-1].split())[:150] if lines else "no output"
    data["markdown"] = "```\n" + "\n".join(lines[-40:]) + "\n```" if lines else "No output."
    return data, [row("evidence", "bench/evidence_quality.py (its last line)",
                      summary if proc.returncode == 0 else f"exit {proc.returncode}: {summary}")]
