"""Run every benchmark: `python -m bench` prints a table and writes bench/results/latest.json.

    python -m bench                      # all benchmarks (about two minutes on 2 cores)
    python -m bench --only detection     # one or more, comma-separated; writes results/partial.json
    python -m bench --quick              # smaller sizes, for a smoke run
    python -m bench --update-md          # also rewrite the figures block of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
import time
import traceback

from bench.common import RESULTS, ROOT, git_commit, machine, write_json_atomic, write_text_atomic
from bench.report import figures_markdown, print_table, replace_block

BENCHMARKS = {
    "scaling": "bench.scaling",
    "cli": "bench.cli_scaling",
    "llm": "bench.llm_efficiency",
    "detection": "bench.detection",
    "seeds": "bench.seeds_report",
    "evidence": "bench.evidence_runner",
    "real-news": "bench.real_news",
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer documents")
    parser.add_argument("--update-md", action="store_true", help="rewrite the figures block of BENCHMARKS.md")
    parser.add_argument("--out", help="results file (default results/latest.json, or partial.json with --only)")
    args = parser.parse_args()
    names = list(BENCHMARKS) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    full = not args.only and not args.quick
    if args.update_md and not full:
        parser.error("--update-md needs a full run (no --only, no --quick): BENCHMARKS.md shows every figure")
    out = RESULTS / ("latest.json" if full else "partial.json") if not args.out else ROOT / args.out

    started = dt.datetime.now(dt.UTC)
    results: dict = {"generated_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": git_commit(),
                     "machine": machine(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
                     "quick": args.quick, "benchmarks": {}, "rows": []}
    for name in names:
        print(f"[bench] {name} ...", file=sys.stderr)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(BENCHMARKS[name])
            data, rows = module.run(quick=args.quick)
        except Exception as exc:  # a benchmark whose prerequisites are missing is reported, not fatal
            traceback.print_exc(file=sys.stderr)
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            data = {"unavailable": reason}
            rows = [{"bench": name, "metric": "not measured", "value": reason, "target": "", "met": None}]
        data["bench_seconds"] = round(time.perf_counter() - t0, 1)
        results["benchmarks"][name] = data
        results["rows"].extend(rows)
    print_table(results["rows"])
    write_json_atomic(out, results)
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out  # --out may point outside the project
    print(f"results written to {shown}", file=sys.stderr)
    if args.update_md:
        md = ROOT / "BENCHMARKS.md"
        write_text_atomic(md, replace_block(md.read_text(encoding="utf-8"), figures_markdown(results)))
        print("BENCHMARKS.md updated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
