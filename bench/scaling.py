"""Benchmark 1: offline speed, memory and scaling with the number of sources.

Each measurement runs in its own subprocess, so peak memory (getrusage maxrss) belongs to that size
alone. Within the subprocess, imports and a two-source warm-up run come first (lazy data such as
word lists is loaded there), then the timed run(s).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

from bench.common import ROOT, make_source, offline_config, row

SIZES = (5, 15, 50, 200)
SEEDS_DIR = ROOT / "seeds"


def _repeats(size: int) -> int:
    """Best-of-n: the machine is shared, so the fastest run is the least disturbed one."""
    return 5 if size <= 15 else 3 if size <= 50 else 2


def _sources(which: str) -> list:
    """The sources of one measurement: 'seeds' read through ingest, or a WMT cluster of that size."""
    if which == "seeds":
        from reporter.ingest import read_inputs

        sources, _problems = read_inputs([str(SEEDS_DIR)], offline_config())
        return sources
    from bench.wmt import scaling_cluster

    return [make_source(a.text, a.source_name) for a in scaling_cluster(int(which))]


def _target(name: str):
    """The callable being timed: the whole offline brief, or the evidence engine alone."""
    config = offline_config()
    if name == "brief":
        from reporter.pipeline import build_brief

        return lambda sources: build_brief(sources, config)
    from reporter.evidence import analyse

    return lambda sources: analyse(sources, config.thresholds)


def _maxrss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(which: str, target: str, repeats: int) -> dict:
    """Time one size in this process; return seconds, per-source seconds and memory."""
    fn = _target(target)
    sources = _sources(which)
    fn(sources[:2])  # warm-up: lazy imports and data files
    rss_before = _maxrss_mb()
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(sources)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    best = min(times)
    return {
        "cluster": which,
        "target": target,
        "sources": len(sources),
        "chars": sum(len(s.text) for s in sources),
        "seconds": round(best, 4),
        "seconds_all": [round(t, 4) for t in times],
        "s_per_source": round(best / len(sources), 5),
        "cpu_seconds": round(min(cpu), 4),  # CPU time of this process: less disturbed by other load
        "peak_rss_mb": round(_maxrss_mb(), 1),
        "rss_before_mb": round(rss_before, 1),
    }


def _run_child(which: str, target: str, timeout: float) -> dict:
    """Run one measurement in a fresh interpreter and parse its JSON line."""
    size = 5 if which == "seeds" else int(which)
    cmd = [sys.executable, "-m", "bench.scaling", "--child", which, "--target", target,
           "--repeats", str(_repeats(size))]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"cluster": which, "target": target, "error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"cluster": which, "target": target, "error": tail}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def loglog_slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) against log(x)."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def run(quick: bool = False, timeout: float = 600.0) -> tuple[dict, list[dict]]:
    """All sizes for both targets; returns the results and summary-table rows."""
    sizes = SIZES[:3] if quick else SIZES
    results: dict = {"sizes": list(sizes), "runs": [], "cluster_note": (
        "WMT21 zh-en: the document with the longest translation; its 15 translations first, then "
        "'mosaic' versions (each segment drawn from a random translation, random.Random(20211)).")}
    rows: list[dict] = []
    for target in ("brief", "analyse"):
        for which in ["seeds", *map(str, sizes)]:
            res = _run_child(which, target, timeout)
            results["runs"].append(res)
            print(f"  scaling {target:8s} {which:>5s}: "
                  + (res.get("error") or f"{res['seconds']:.2f} s, {res['peak_rss_mb']:.0f} MB"), file=sys.stderr)
        ok = [r for r in results["runs"] if r["target"] == target and r["cluster"] != "seeds" and "error" not in r]
        slope = loglog_slope([(r["sources"], r["seconds"]) for r in ok])
        cpu_slope = loglog_slope([(r["sources"], r["cpu_seconds"]) for r in ok])
        tail = [r for r in ok if r["sources"] >= 50]
        tail_slope = loglog_slope([(r["sources"], r["seconds"]) for r in tail]) if len(tail) == 2 else None
        cpu_tail = loglog_slope([(r["sources"], r["cpu_seconds"]) for r in tail]) if len(tail) == 2 else None
        for key, value in (("exponent", slope), ("exponent_cpu", cpu_slope), ("exponent_50_200", tail_slope),
                           ("exponent_cpu_50_200", cpu_tail)):
            results[f"{target}_{key}"] = None if value is None else round(value, 3)
        label = "offline brief" if target == "brief" else "evidence.analyse"
        for r in results["runs"]:
            if r["target"] != target:
                continue
            if "error" in r:
                name = "seeds (5)" if r["cluster"] == "seeds" else f"{r['cluster']} sources"
                rows.append(row("scaling", f"{label}, {name}", f"error: {r['error']}"))
                continue
            name = "seeds (5)" if r["cluster"] == "seeds" else f"{r['sources']} sources"
            target_txt, met = "", None
            if r["sources"] == 200 and r["cluster"] != "seeds":
                target_txt, met = "< 60 s", r["seconds"] < 60
            rows.append(row("scaling", f"{label}, {name}: s / s per source / MB",
                            f"{r['seconds']:.2f} / {r['s_per_source']:.3f} / {r['peak_rss_mb']:.0f}",
                            target_txt, met))
        if slope is not None and cpu_slope is not None:
            rows.append(row("scaling", f"{label}: growth exponent, log-log fit over {len(ok)} sizes (wall / CPU)",
                            f"{slope:.2f} / {cpu_slope:.2f}", "<= 1.2 (CPU)", cpu_slope <= 1.2))
        if tail_slope is not None and cpu_tail is not None:
            rows.append(row("scaling", f"{label}: local exponent 50->200 (wall / CPU)",
                            f"{tail_slope:.2f} / {cpu_tail:.2f}", "<= 1.2 (CPU)", cpu_tail <= 1.2))
    return results, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", help="internal: measure one cluster ('seeds' or a size) and print JSON")
    parser.add_argument("--target", default="brief", choices=["brief", "analyse"])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.target, args.repeats)))
        return
    results, _rows = run(quick=args.quick)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
