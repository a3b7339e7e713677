"""Benchmark 2: LLM-mode efficiency against the local fake OpenAI-compatible server.

The fake server (tests/fake_openai.py) answers every request after a fixed latency with the smallest
answer its JSON schema allows (an `authored` stand-in for a model: empty lists, nulls, short strings),
so the wall time measures reporter's scheduling, not a model.

* Efficiency: wall time of an LLM-mode brief of 20 articles with the default settings, divided by the
  physical limit = dependent steps x latency, where the steps are ceil(20 / concurrency) waves of
  per-article summaries (they can run `concurrency` at a time) followed by the one brief step.
* Token overhead: tokens sent (every request's messages plus its response schema, o200k_base) divided
  by the tokens of the source articles themselves, for the seeds and for the 20 articles, split by part
  (articles, alignment, candidates, instructions, schema, re-asks; see bench/brief_reach.py).
* Reach: on the labelled clusters, the share of labelled items whose spans the brief requests show (a
  cross-source item: all its spans in one request), at the default window and at a small one.
* Cache: the same run again, with the same cache folder, must send 0 requests.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, make_source, row
from reporter.llm.pacing import START

LATENCY_S = 1.0
ARTICLES = 20
AUTHORED_TEXT = "authored stand-in answer"


def minimal_instance(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    """The smallest value valid under a JSON schema (objects with every required property)."""
    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return minimal_instance(root.get("$defs", root.get("definitions", {}))[name], root)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = schema[key]
            if any(o.get("type") == "null" for o in options):
                return None
            return minimal_instance(options[0], root)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = "null" if "null" in kind else kind[0]
    if kind == "object":
        props = schema.get("properties", {})
        required = schema.get("required", list(props))
        return {name: minimal_instance(props[name], root) for name in required if name in props}
    if kind == "array":
        return [minimal_instance(schema["items"], root) for _ in range(schema.get("minItems", 0))]
    if kind in ("number", "integer"):
        return schema.get("minimum", 0.5 if kind == "number" else 0)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return AUTHORED_TEXT


def _schema_from_prompt(text: str) -> dict[str, Any] | None:
    """json-mode fallback: the schema is stated in the prompt; pick the project's schema it names."""
    try:
        from reporter.llm.schemas import BriefOutput, SummaryOutput, json_schema_for
    except ImportError:
        return None
    return json_schema_for(BriefOutput if "verdicts" in text else SummaryOutput)


def responder(call) -> dict[str, Any]:
    """The fake model: the minimal valid answer to the schema the request asks for."""
    schema = call.json_schema or _schema_from_prompt(call.text)
    return minimal_instance(schema) if schema else {}


def tokens_sent(calls) -> int:
    """o200k_base tokens of what the server received: every message and the response schema."""
    return sum(token_parts(calls).values())


def token_parts(calls) -> dict[str, int]:
    """Tokens sent, by part: articles, alignment, candidates, instructions, schema, re-asks."""
    from bench.brief_reach import token_parts as parts

    return parts(calls)


MODEL = "gpt-4o-mini"  # an OpenAI model with a known 128k window, as the token targets assume


def _llm_config(url: str, cache_dir: Path):
    """Default settings (concurrency, retries), model `MODEL`, pointed at the fake server, private cache.

    Without a model name the fake server's own ("fake-model") is used: unknown and on localhost, it gets the
    conservative 8192-token window of a local server, and the brief is sent in parts, each repeating the
    articles it needs: a different measurement from the efficiency targets'."""
    from pydantic import SecretStr

    from reporter.config import Config

    return Config(base_url=url, api_key=SecretStr("sk-bench-not-a-secret"), cache_dir=cache_dir, model=MODEL)


def _timed_brief(sources, config):
    from reporter.pipeline import build_brief

    t0 = time.perf_counter()
    brief = build_brief(sources, config)
    return brief, time.perf_counter() - t0


def run(quick: bool = False) -> tuple[dict, list[dict]]:
    """Measure in a fresh interpreter, so that no earlier benchmark has warmed imports or caches."""
    proc = subprocess.run([sys.executable, "-m", "bench.llm_efficiency"], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError((proc.stderr.strip().splitlines() or ["no output"])[-1])
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["results"], data["rows"]


def measure() -> tuple[dict, list[dict]]:
    """Efficiency on 20 WMT articles, token overhead and cache on the seeds."""
    from bench.wmt import scaling_cluster
    from reporter.ingest import read_inputs
    from reporter.tokens import count_tokens
    from tests.fake_openai import FakeOpenAI

    results: dict = {"latency_s": LATENCY_S, "articles": ARTICLES}
    arrivals: list[float] = []

    def timed_responder(call):
        arrivals.append(time.perf_counter())
        return responder(call)

    with tempfile.TemporaryDirectory() as tmp, \
            FakeOpenAI(responder=timed_responder, latency_s=LATENCY_S) as fake:
        cluster_calls: list = []
        # 1. Efficiency: 20 articles about one event (15 WMT translations + 5 mosaics), cold cache; once
        # in this fresh process (imports and tokenizer load on the clock, as a user's first run), then
        # again warm (same process, new empty cache) to isolate scheduling from start-up.
        sources = [make_source(a.text, a.source_name) for a in scaling_cluster(ARTICLES)]
        for label in ("cold", "warm"):
            config = _llm_config(fake.url, Path(tmp) / f"cache-20-{label}")
            arrivals.clear()
            before = len(fake.chat_calls)
            t0 = time.perf_counter()
            brief, wall = _timed_brief(sources, config)
            if label == "cold":
                cluster_calls = fake.chat_calls[before:]
            concurrency = config.concurrency or START  # adaptive by default: where it starts
            waves = math.ceil(ARTICLES / concurrency)
            limit = (waves + 1) * LATENCY_S
            results[f"efficiency_{label}"] = {
                "mode": brief.run.mode, "concurrency": concurrency,
                "requests": len(fake.chat_calls) - before, "wall_s": round(wall, 3), "limit_s": limit,
                "ratio": round(wall / limit, 3),
                "first_request_after_s": round(min(arrivals) - t0, 3) if arrivals else None,
                "limit_formula": f"(ceil({ARTICLES}/{concurrency}) summary waves + 1 brief step)"
                                 f" x {LATENCY_S} s",
                "usage": brief.run.usage.model_dump(),
            }
        cluster_tokens = sum(count_tokens(s.text) for s in sources)
        cluster_sent = tokens_sent(cluster_calls)
        results["tokens_20"] = {
            "article_tokens": cluster_tokens, "tokens_sent": cluster_sent,
            "ratio": round(cluster_sent / cluster_tokens, 3), "requests": len(cluster_calls),
            "tokens_sent_by_prompt": _by_prompt(cluster_calls), "tokens_sent_by_part": token_parts(cluster_calls),
        }
        # 2. Token overhead on the seeds, cold cache; 3. the identical run again on the same cache.
        seeds, _problems = read_inputs([str(ROOT / "seeds")], config)
        config = _llm_config(fake.url, Path(tmp) / "cache-seeds")
        before = len(fake.chat_calls)
        brief, wall = _timed_brief(seeds, config)
        seed_calls = fake.chat_calls[before:]
        article_tokens = sum(count_tokens(s.text) for s in seeds)
        sent = tokens_sent(seed_calls)
        again, wall2 = _timed_brief(seeds, config)
        results["seeds"] = {
            "mode": brief.run.mode, "requests": len(seed_calls), "wall_s": round(wall, 3),
            "article_tokens": article_tokens, "tokens_sent": sent, "ratio": round(sent / article_tokens, 3),
            "tokens_sent_by_prompt": _by_prompt(seed_calls),
            "tokens_sent_by_part": token_parts(seed_calls),
            "usage": brief.run.usage.model_dump(),
            "second_run_requests_received": len(fake.chat_calls) - before - len(seed_calls),
            "second_run_usage": again.run.usage.model_dump(), "second_run_wall_s": round(wall2, 3),
        }
    # 4. Reach: on every labelled cluster, what the brief requests show (zero latency: only requests matter)
    from bench.brief_reach import SMALL_WINDOW, measure_reach, reach_table

    with FakeOpenAI(responder=responder) as fake:
        reach = measure_reach(fake, {"default": None, f"window {SMALL_WINDOW}": SMALL_WINDOW})
    results["reach"] = reach
    results["reach_table"] = reach_table(reach)
    eff, warm, seeds_res = results["efficiency_cold"], results["efficiency_warm"], results["seeds"]
    t20 = results["tokens_20"]
    small = reach["totals"][f"window {SMALL_WINDOW}"]["all"]
    default = reach["totals"]["default"]["all"]
    second = seeds_res["second_run_requests_received"]
    results["markdown"] = (
        f"Model {MODEL} (128k window) on a fake server, latency {LATENCY_S} s per request; its answers are the "
        "minimal schema-valid JSON "
        f"(authored stand-ins). 20 articles (WMT cluster), concurrency {eff['concurrency']} (default): "
        f"{eff['requests']} requests; physical limit {eff['limit_formula']} = {eff['limit_s']} s. "
        f"First run in a fresh process (imports, tokenizer load): wall {eff['wall_s']} s, ratio {eff['ratio']}, "
        f"first request sent after {eff['first_request_after_s']} s. Same run again in that process with an "
        f"empty cache: wall {warm['wall_s']} s, ratio {warm['ratio']} (first request after "
        f"{warm['first_request_after_s']} s). Seeds: {seeds_res['requests']} requests, "
        f"{seeds_res['tokens_sent']} tokens sent (messages + response schema, o200k_base) for "
        f"{seeds_res['article_tokens']} article tokens: ratio {seeds_res['ratio']} "
        f"(by prompt: {seeds_res['tokens_sent_by_prompt']}; "
        f"by part: {seeds_res['tokens_sent_by_part']}). Second identical run: {second} requests "
        f"reached the server (usage {seeds_res['second_run_usage']}). 20 articles: {t20['tokens_sent']} tokens "
        f"sent for {t20['article_tokens']} article tokens: ratio {t20['ratio']} (by part: "
        f"{t20['tokens_sent_by_part']}).\n\nReach of the brief requests on labelled clusters (share of labelled "
        f"items whose spans one request shows side by side; bench/brief_reach.py):\n\n{results['reach_table']}"
    )
    rows = [
        row("llm", f"20 articles, fresh process: wall / limit ({eff['wall_s']:.2f} s / {eff['limit_s']:.0f} s)",
            f"{eff['ratio']:.2f}", "<= 1.3", eff["ratio"] <= 1.3),
        row("llm", f"20 articles, warm process: wall / limit ({warm['wall_s']:.2f} s / {warm['limit_s']:.0f} s)",
            f"{warm['ratio']:.2f}", "<= 1.3", warm["ratio"] <= 1.3),
        row("llm", f"seeds: tokens sent / article tokens ({seeds_res['tokens_sent']} / "
            f"{seeds_res['article_tokens']})", f"{seeds_res['ratio']:.2f}", "<= 2.5", seeds_res["ratio"] <= 2.5),
        row("llm", f"20 articles: tokens sent / article tokens ({t20['tokens_sent']} / {t20['article_tokens']})",
            f"{t20['ratio']:.2f}", "<= 2.5", t20["ratio"] <= 2.5),
        row("llm", f"brief reach on labelled clusters, default window ({default['reached']}/{default['of']} items)",
            f"{default['share']:.3f}", ">= 0.95", default["share"] >= 0.95),
        row("llm", f"brief reach, {SMALL_WINDOW}-token window: parts ({small['reached']}/{small['of']} items)",
            f"{small['share']:.3f}", "", None),
        row("llm", "seeds, second identical run: requests", second, "0", second == 0),
    ]
    return results, rows


def _by_prompt(calls) -> dict[str, int]:
    """Tokens sent per kind of request, told apart by their delimiters."""
    out: dict[str, int] = {}
    for call in calls:
        text = call.text
        name = "brief" if "<<<MATERIAL-" in text else "requote" if "<<<QUOTES-" in text else "summary"
        out[name] = out.get(name, 0) + tokens_sent([call])
    return out


if __name__ == "__main__":
    _results, _rows = measure()
    print(json.dumps({"results": _results, "rows": _rows}))
