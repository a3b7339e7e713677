"""What the brief step shows the model: reach on labelled cases, and tokens sent by part.

Reach. A model can only flag what it is shown next to what it contradicts. On every labelled cluster (the
seeds' hand labels in tests/cases/evidence/labels.json, and the real multi-outlet clusters labelled under
bench/labels/real_news/), LLM mode is run against the local fake server (tests/fake_openai.py, minimal
authored answers) and the brief requests it receives are read back:

* a cross-source item (spans in two or more sources) is reached when ONE brief request shows every span;
* an in-source item (spans in one source) is reached when some brief request shows its span(s).

A span is shown when its text (white space collapsed) is in what the request shows of that source: its
numbered sentences, or a candidate's quoted evidence for it. Measured at the default model's context
window (the cluster fits: one request) and at a small local-model window (the cluster is cut into parts).

Tokens by part. Every message and response schema the server received, counted with o200k_base and split
into: the articles (summary requests' article text, the brief's ARTICLES section), the alignment map, the
candidates, the instructions (system prompts, delimiters, headers), the response schemas, and re-asks
(repair turns and the re-ask about quotes).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT

SMALL_WINDOW = 4096  # a local model's default context (Ollama's num_ctx), small enough to force parts
MATERIAL = re.compile(r"<<<(MATERIAL-[0-9A-F]+)>>>\n(.*)\n<<<END \1>>>", re.DOTALL)
ARTICLE = re.compile(r"<<<(ARTICLE-[0-9A-F]+)>>>\n(.*)\n<<<END \1>>>", re.DOTALL)
_NUMBERED = re.compile(r"^(\d+)\*? (.*)$")  # '9* ...' is a line of page chrome
_SAME = re.compile(r"^= S\d+\.\d+$")
_CANDIDATE_REF = re.compile(r'(S\d+)(?:\.\d+| chrome) "([^"]*)"')


def _norm(text: str) -> str:
    return " ".join(text.split())


def sections(material: str) -> dict[str, str]:
    """The brief material's sections: articles (with any part header), alignment, candidates."""
    head, _, cands = material.partition("\nCANDIDATES\n")
    arts, _, align = head.partition("\nALIGNED\n")
    return {"articles": arts, "alignment": align, "candidates": cands}


def shown_text(material: str) -> dict[str, list[str]]:
    """Per source label, what a brief request shows of it: its sentences joined in order, then each
    piece of a candidate's quoted evidence (clipped quotes are cut at ' … ', chrome digests at ' / ')."""
    parts = sections(material)
    sentences: dict[str, list[str]] = {}
    by_ref: dict[str, str] = {}
    label = None
    for line in parts["articles"].splitlines():
        if line.startswith("[S"):
            label = line[1:].split("]")[0]
            sentences.setdefault(label, [])
        elif label and (m := _NUMBERED.match(line)):
            sentences[label].append(m.group(2))
            by_ref[f"{label}.{m.group(1)}"] = m.group(2)
    for lines in sentences.values():  # '7 = S3.5': word for word a sentence shown above
        lines[:] = [by_ref.get(t[2:], t) if _SAME.match(t) else t for t in lines]
    shown = {k: [_norm(" ".join(v))] for k, v in sentences.items()}
    for line in parts["candidates"].splitlines():
        for ref in line.split(" | ")[1:]:
            if m := _CANDIDATE_REF.match(ref):
                for piece in m.group(2).split(" / "):
                    shown.setdefault(m.group(1), []).extend(_norm(c) for c in piece.split(" … "))
    return shown


def _is_shown(texts: dict[str, list[str]], label: str, anchor: str) -> bool:
    needle = _norm(anchor)
    return any(needle in chunk for chunk in texts.get(label, []))


def reach_of(requests: list[str], items: list[dict[str, Any]], label_of: dict[str, str]) -> dict[str, Any]:
    """Reach of labelled items in the brief materials `requests`; items are {kind, anchors: [(source, text)]}."""
    shown = [shown_text(m) for m in requests]
    tally = {"cross": [0, 0], "in": [0, 0]}
    missed = []
    for item in items:
        anchors = [(label_of[s], t) for s, t in item["anchors"]]
        cross = len({s for s, _ in item["anchors"]}) > 1
        hit = any(all(_is_shown(texts, label, text) for label, text in anchors) for texts in shown)
        key = "cross" if cross else "in"
        tally[key][1] += 1
        tally[key][0] += hit
        if not hit:
            missed.append({"kind": item["kind"], "anchors": [t[:60] for _, t in item["anchors"]]})
    total = [tally["cross"][0] + tally["in"][0], tally["cross"][1] + tally["in"][1]]
    return {"cross": tally["cross"], "in": tally["in"], "all": total, "missed": missed}


def labelled_clusters() -> list[tuple[str, list[Any], list[dict[str, Any]]]]:
    """(name, sources in input order, items) for the seeds and every labelled real-news cluster found."""
    from reporter.config import Config
    from reporter.ingest import read_inputs

    seeds, _ = read_inputs([str(ROOT / "seeds")], Config())
    labels = json.loads((ROOT / "tests" / "cases" / "evidence" / "labels.json").read_text(encoding="utf-8"))
    seed_items = [{"kind": lab["kind"], "anchors": [(a["source"], a["text"]) for a in lab["anchors"]]}
                  for lab in labels["seeds"]["labels"]]
    clusters = [("seeds", seeds, seed_items)]
    try:
        from bench.real_news import load_clusters
        real = load_clusters()
    except (ImportError, SystemExit):  # no labels yet, or no data folder: the seeds alone
        real = []
    for cluster in real:
        sources = list(cluster.sources.values())
        by_file = {f: s.id for f, s in cluster.sources.items()}
        items = [{"kind": item.kind, "anchors": [(by_file[a.file], a.text) for a in item.anchors]}
                 for item in cluster.items]
        clusters.append((cluster.name, sources, items))
    return clusters


def brief_requests(sources: list[Any], fake: Any, window: int | None, cache_dir: Path) -> list[Any]:
    """The calls LLM mode sends for `sources` (as the pipeline runs it) with the given context window."""
    from pydantic import SecretStr

    from reporter.config import Config
    from reporter.evidence import analyse
    from reporter.llm.run import run_llm
    from reporter.summarise import extractive_summary

    config = Config(base_url=fake.url, api_key=SecretStr("sk-bench-not-a-secret"), cache_dir=cache_dir,
                    use_cache=False)
    report = analyse(sources, config.thresholds)
    summaries = [extractive_summary(s, report.documents[s.id]) for s in sources]
    before = len(fake.chat_calls)
    run_llm(sources, report, summaries, config, window_tokens=window, show_progress=False)
    return fake.chat_calls[before:]


def materials_of(calls: list[Any]) -> list[str]:
    """The brief materials among the calls (first user message of each brief request)."""
    out = []
    for call in calls:
        users = [m.get("content") or "" for m in call.messages if m.get("role") == "user"]
        if users and (m := MATERIAL.search(users[0])):
            out.append(m.group(2))
    return out


def measure_reach(fake: Any, windows: dict[str, int | None]) -> dict[str, Any]:
    """Reach per cluster and window setting, with totals."""
    from reporter.llm.material import source_labels

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, sources, items in labelled_clusters():
            labels = source_labels(sources)
            row: dict[str, Any] = {"sources": len(sources), "items": len(items)}
            for setting, window in windows.items():
                calls = brief_requests(sources, fake, window, Path(tmp) / "cache")
                materials = materials_of(calls)
                row[setting] = {"requests": len(materials), **reach_of(materials, items, labels)}
            out[name] = row
    totals: dict[str, Any] = {}
    for setting in windows:
        agg = {"cross": [0, 0], "in": [0, 0], "all": [0, 0]}
        for row in out.values():
            for key in agg:
                agg[key] = [agg[key][0] + row[setting][key][0], agg[key][1] + row[setting][key][1]]
        totals[setting] = {k: {"reached": v[0], "of": v[1], "share": round(v[0] / v[1], 3) if v[1] else None}
                           for k, v in agg.items()}
    return {"clusters": out, "totals": totals}


def token_parts(calls: list[Any]) -> dict[str, int]:
    """Tokens sent, by part (see module doc); the parts add up to every message plus every schema."""
    from reporter.tokens import count_tokens

    parts = {"articles": 0, "alignment": 0, "candidates": 0, "instructions": 0, "schema": 0, "re_asks": 0}
    for call in calls:
        first_user = True
        for message in call.messages:
            content = message.get("content") or ""
            content = content if isinstance(content, str) else json.dumps(content)
            total = count_tokens(content)
            role = message.get("role")
            if role == "user" and first_user:
                first_user = False
                if "requote" in json.dumps(call.response_format or {}) or "<<<QUOTES-" in content:
                    parts["re_asks"] += total
                    continue
                pieces: dict[str, int] = {}
                if m := MATERIAL.search(content):
                    pieces = {k: count_tokens(v) for k, v in sections(m.group(2)).items()}
                elif m := ARTICLE.search(content):
                    pieces = {"articles": count_tokens(m.group(2))}
                for key, n in pieces.items():
                    parts[key] += n
                parts["instructions"] += max(0, total - sum(pieces.values()))
            elif role == "system":
                requote = "<<<QUOTES-" in call.text
                parts["re_asks" if requote else "instructions"] += total
            else:  # an assistant answer and the repair turn of a re-ask
                parts["re_asks"] += total
        if call.response_format:
            parts["schema"] += count_tokens(json.dumps(call.response_format, separators=(",", ":")))
    return parts


def reach_table(reach: dict[str, Any]) -> str:
    """The reach per cluster as a Markdown table."""
    settings = list(reach["totals"])
    head = "| cluster | sources | items | " + " | ".join(
        f"{s}: requests | {s}: cross-source | {s}: in-source | {s}: all" for s in settings) + " |"
    lines = [head, "|" + "---|" * (3 + 4 * len(settings))]

    def frac(pair: list[int]) -> str:
        return f"{pair[0]}/{pair[1]}" if pair[1] else "-"

    for name, row in reach["clusters"].items():
        cells = [name, str(row["sources"]), str(row["items"])]
        for s in settings:
            r = row[s]
            cells += [str(r["requests"]), frac(r["cross"]), frac(r["in"]), frac(r["all"])]
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["**total**", "", ""]
    for s in settings:
        t = reach["totals"][s]
        cells += ["", f"{t['cross']['reached']}/{t['cross']['of']}", f"{t['in']['reached']}/{t['in']['of']}",
                  f"**{t['all']['share']}**"]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
