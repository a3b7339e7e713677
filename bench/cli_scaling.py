"""Benchmark: what users run, timed as they run it: `reporter brief` in a fresh process.

Offline: the whole CLI (interpreter start, imports, ingest, engine, rendering of Markdown, HTML and JSON,
atomic writes) on WMT clusters of 200, 600 and 1000 sources (`bench.wmt.scaling_cluster`, written as .txt
files) and on 50 articles of 10,000 words each (every article: mosaic versions of the WMT documents in
order, cut at a line once it has 10,000 words; seeded, so the same run gives the same texts). CPU time is
the child's user + system time (`os.wait4`); wall time is measured around it. The reference, timed in the
same run on the same files: a naive all-pairs alignment (every sentence of every source matched with
rapidfuzz's `extractOne` against the sentences of every other source), in its own fresh process.

LLM: 20 articles through the CLI against the fake OpenAI server (tests/fake_openai.py, 1 s per request,
minimal schema-valid answers), cold (empty cache, so imports and start-up are on the clock) and again fully
cached. Physical limit = (ceil(20 / 4) summary waves + 1 brief step) x 1 s = 6 s, 4 being where the
adaptive concurrency starts (it may go higher on a server that keeps up). Rate limit: the same 20 articles
against a per-minute token budget (`RateBudget`, OpenAI's 429 body and headers); summaries lost = those
not written by the model.

    .venv/bin/python -m bench.cli_scaling            # everything (several minutes)
    .venv/bin/python -m bench.cli_scaling --quick    # 200 sources, the LLM runs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, row

SIZES = (200, 600, 1000)
NAIVE_SIZES = (200, 600)
LONG_ARTICLES, LONG_WORDS = 50, 10_000
LATENCY_S = 1.0
LLM_ARTICLES = 20
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def write_cluster(size: int, folder: Path) -> Path:
    from bench.wmt import scaling_cluster

    folder.mkdir(parents=True, exist_ok=True)
    for i, article in enumerate(scaling_cluster(size)):
        (folder / f"s{i:04d}.txt").write_text(article.text, encoding="utf-8")
    return folder


def long_articles(count: int = LONG_ARTICLES, words: int = LONG_WORDS, seed: int = 20211) -> list[str]:
    """`count` articles of about `words` words: mosaics of every WMT document in turn (see module doc)."""
    from bench.wmt import load_docs, mosaic_articles

    docs = load_docs()
    out = []
    for k in range(count):
        parts, n, i = [], 0, 0
        while n < words:
            text = mosaic_articles(docs[i % len(docs)], 1, seed + 7919 * k + i)[0].text
            parts.append(text)
            n += len(text.split())
            i += 1
        kept, n = [], 0
        for line in "\n\n".join(parts).split("\n"):
            if n >= words:
                break
            kept.append(line)
            n += len(line.split())
        out.append("\n".join(kept))
    return out


def timed_cli(folder: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> dict:
    return _timed_child([sys.executable, "-m", "reporter", "brief", str(folder), "--out", str(out), "--quiet",
                         *extra], env)


def _timed_child(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run `cmd` under a small wrapper that reports the child's own rusage (wall measured outside)."""
    wrapper = ("import os, subprocess, sys, json\n"
               "p = subprocess.Popen(sys.argv[1:])\n"
               "_, status, u = os.wait4(p.pid, 0)\n"
               "print(json.dumps({'cpu_s': u.ru_utime + u.ru_stime, 'rc': os.waitstatus_to_exitcode(status)}),"
               " file=sys.stderr)\n")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    last = json.loads(proc.stderr.strip().splitlines()[-1])
    return {"wall_s": round(wall, 2), "cpu_s": round(last["cpu_s"], 2), "rc": last["rc"],
            "stderr": "\n".join(proc.stderr.strip().splitlines()[:-1])[-300:]}


def naive_alignment(folder: Path) -> int:
    """The reference: every sentence of every source against the sentences of every other source."""
    from rapidfuzz import fuzz, process

    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    sentences = [[s for s in _SENTENCE.split(t) if s.strip()] for t in texts]
    pairs = 0
    for i, mine in enumerate(sentences):
        for theirs in sentences[i + 1:]:
            for sentence in mine:
                process.extractOne(sentence, theirs, scorer=fuzz.ratio)
            pairs += len(mine) * len(theirs)
    return pairs


def loglog_slope(points: list[tuple[float, float]]) -> float | None:
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx, my = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def offline(tmp: Path, sizes: tuple[int, ...], naive_sizes: tuple[int, ...], long: bool) -> dict:
    results: dict = {"cli": {}, "naive": {}, "load_before": os.getloadavg()}
    for size in sizes:
        folder = write_cluster(size, tmp / f"c{size}")
        results["cli"][size] = timed_cli(folder, tmp / f"out{size}", "--offline")
        print(f"  cli {size}: {results['cli'][size]}", file=sys.stderr)
        if size in naive_sizes:
            results["naive"][size] = _timed_child([sys.executable, "-m", "bench.cli_scaling", "--naive", str(folder)])
            print(f"  naive {size}: {results['naive'][size]}", file=sys.stderr)
    if long:
        folder = tmp / "long"
        folder.mkdir()
        for i, text in enumerate(long_articles()):
            (folder / f"long{i:02d}.txt").write_text(text, encoding="utf-8")
        results["long"] = timed_cli(folder, tmp / "outlong", "--offline")
        print(f"  long: {results['long']}", file=sys.stderr)
    ok = [(s, r["cpu_s"]) for s, r in results["cli"].items() if r["rc"] == 0]
    results["cpu_exponent"] = loglog_slope(ok)
    results["load_after"] = os.getloadavg()
    return results


def llm(tmp: Path) -> dict:
    from bench.llm_efficiency import responder
    from bench.wmt import scaling_cluster
    from reporter.llm.pacing import CEILING, START
    from tests.fake_openai import FakeOpenAI, RateBudget

    folder = tmp / "llm"
    folder.mkdir()
    for i, article in enumerate(scaling_cluster(LLM_ARTICLES)):
        (folder / f"a{i:02d}.txt").write_text(article.text, encoding="utf-8")
    results: dict = {"limit_s": (math.ceil(LLM_ARTICLES / START) + 1) * LATENCY_S,
                     "limit_at_ceiling_s": (math.ceil(LLM_ARTICLES / CEILING) + 1) * LATENCY_S,
                     "load_before": os.getloadavg()}
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench-not-a-secret", "REPORTER_CACHE_DIR": str(tmp / "cache")}
    with FakeOpenAI(responder=responder, latency_s=LATENCY_S) as fake:
        for label in ("cold", "cached"):
            before = len(fake.chat_calls)
            res = timed_cli(folder, tmp / "llm-out", "--base-url", fake.url, env=env)
            res["requests"] = len(fake.chat_calls) - before
            results[label] = res
            print(f"  llm {label}: {res}", file=sys.stderr)
    budget = RateBudget(tokens_per_minute=30_000, window_s=6.0)  # the brief request fits; 16 summaries at once don't
    env["REPORTER_CACHE_DIR"] = str(tmp / "cache-429")
    with FakeOpenAI(responder=responder, latency_s=0.2, budget=budget) as fake:
        res = timed_cli(folder, tmp / "llm-429", "--base-url", fake.url, env=env)
    brief = json.loads((tmp / "llm-429" / "brief.json").read_text(encoding="utf-8"))
    res["refused_429"] = budget.refused
    res["summaries_lost"] = sum(1 for s in brief["summaries"] if s.get("method") != "llm")
    res["requests"] = len(fake.chat_calls)
    results["rate_limited"] = res
    print(f"  llm 429: {res}", file=sys.stderr)
    results["load_after"] = os.getloadavg()
    return results


def run(quick: bool = False) -> tuple[dict, list[dict]]:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        results = offline(tmp, SIZES[:1] if quick else SIZES, NAIVE_SIZES[:1] if quick else NAIVE_SIZES,
                          long=not quick)
        results["llm"] = llm(tmp)
    return results, rows(results)


def rows(results: dict) -> list[dict]:
    """The table rows of what ran (offline, LLM or both)."""
    out = []
    cli, naive = results.get("cli", {}), results.get("naive", {})
    for size, r in cli.items():
        target, met = ("< 60 s wall", r["wall_s"] < 60) if int(size) == 1000 else ("", None)
        out.append(row("cli", f"offline CLI, {size} sources: wall s / CPU s", f"{r['wall_s']} / {r['cpu_s']}",
                       target, met if r["rc"] == 0 else False))
    for size, r in naive.items():
        mine = cli.get(size)
        ratio = round(mine["cpu_s"] / r["cpu_s"], 2) if mine and r["cpu_s"] else None
        target, met = ("<= 1.0 at 600", ratio is not None and ratio <= 1.0) if int(size) == 600 else ("", None)
        out.append(row("cli", f"naive all-pairs alignment, {size} sources: CPU s; CLI CPU / naive CPU",
                       f"{r['cpu_s']}; {ratio}", target, met))
    if (exp := results.get("cpu_exponent")) is not None:
        out.append(row("cli", f"offline CLI CPU growth exponent over {list(cli)} sources", round(exp, 2),
                       "<= 1.2", exp <= 1.2))
    if long := results.get("long"):
        out.append(row("cli", f"offline CLI, {LONG_ARTICLES} articles of {LONG_WORDS} words: wall s / CPU s",
                       f"{long['wall_s']} / {long['cpu_s']}", "< 20 s wall", long["wall_s"] < 20 and long["rc"] == 0))
    if (before := results.get("load_before")) and (after := results.get("load_after")):
        out.append(row("cli", "load average (1 min) before / after the offline runs, 2 cores",
                       f"{before[0]:.1f} / {after[0]:.1f}"))
    if "llm" not in results:
        return out
    llm_res = results["llm"]
    cold, cached, limited = llm_res["cold"], llm_res["cached"], llm_res["rate_limited"]
    out.append(row("cli", f"LLM CLI, {LLM_ARTICLES} articles cold: wall / limit ({cold['wall_s']} s / "
                          f"{llm_res['limit_s']} s; CPU {cold['cpu_s']} s; {cold['requests']} requests)",
                   round(cold["wall_s"] / llm_res["limit_s"], 2), "<= 1.3",
                   cold["wall_s"] / llm_res["limit_s"] <= 1.3))
    out.append(row("cli", f"LLM CLI, {LLM_ARTICLES} articles fully cached: wall s (CPU {cached['cpu_s']} s; "
                          f"{cached['requests']} requests)", cached["wall_s"], "< 1 s", cached["wall_s"] < 1))
    out.append(row("cli", f"LLM CLI under a token budget: 429s answered / summaries lost ({limited['wall_s']} s)",
                   f"{limited['refused_429']} / {limited['summaries_lost']}", "0 lost",
                   limited["summaries_lost"] == 0 and limited["rc"] == 0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive", type=Path, help="internal: run the naive alignment of this folder")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["offline", "llm"])
    args = parser.parse_args()
    if args.naive:
        naive_alignment(args.naive)
        return
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        results: dict = {}
        if args.only != "llm":
            results.update(offline(tmp, SIZES[:1] if args.quick else SIZES,
                                   NAIVE_SIZES[:1] if args.quick else NAIVE_SIZES, long=not args.quick))
        if args.only != "offline":
            results["llm"] = llm(tmp)
    print(json.dumps(results, indent=2))
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for r in rows(results):
        print(f"{r['metric']}: {r['value']}  [{r['target']}] {'' if r['met'] is None else r['met']}")


if __name__ == "__main__":
    main()
