"""Benchmark 3: detection quality on WMT21 zh-en against professional MQM error annotations.

Each document is one cluster whose sources are its ~15 English translations. The evidence spans of
flags of the kinds below are scored against the annotated major error spans at character level, and
per segment (a segment is flagged when any evidence span overlaps it, positive when it holds at least
one major span). Segments holding upstream TSV rows (a tab in the text) stay in the articles but are
left out of scoring. Documents are split deterministically (sorted doc_id: even positions dev, odd test);
figures to quote are the test half's, dev is where anyone may tune thresholds.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.common import make_source, offline_config, row
from bench.wmt import Article, doc_articles, load_docs, split_docs

SCORED_KINDS = ("garbled_text", "wording_variant", "spelling")
WMT23_QE_CHAR_F1 = 0.27  # best WMT23 QE submission, zh-en, major+minor, with the source text; context only


@dataclass
class Tally:
    """Counts that precision, recall and F1 are computed from."""

    char_tp: int = 0
    char_fp: int = 0
    char_fn: int = 0
    any_tp: int = 0  # against major+minor spans, for context
    any_fp: int = 0
    any_fn: int = 0
    seg_tp: int = 0
    seg_fp: int = 0
    seg_fn: int = 0
    seg_tn: int = 0
    chars: int = 0
    gold_chars: int = 0
    kind_chars: Counter = field(default_factory=Counter)  # predicted chars per kind
    kind_hits: Counter = field(default_factory=Counter)  # of those, inside a major span
    kind_recall: Counter = field(default_factory=Counter)  # major chars covered by each kind
    detector_chars: Counter = field(default_factory=Counter)  # predicted chars per engine detector
    detector_hits: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)  # scored flags per kind
    clipped_spans: int = 0
    skipped_spans: int = 0
    damaged_segments: int = 0  # left out of scoring: upstream TSV rows merged into the text
    damaged_chars: int = 0

    def add(self, other: Tally) -> None:
        """Accumulate another tally into this one."""
        for name, value in vars(other).items():
            if isinstance(value, Counter):
                getattr(self, name).update(value)
            else:
                setattr(self, name, getattr(self, name) + value)


def chars_of(spans: list[tuple[int, int]], limit: int) -> set[int]:
    """Character positions covered by any of the spans, clipped to [0, limit)."""
    covered: set[int] = set()
    for start, end in spans:
        covered.update(range(max(0, start), min(limit, end)))
    return covered


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1; 0 where undefined."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score_article(article: Article, predicted: list[tuple]) -> Tally:
    """Score predicted (start, end, kind[, detector]) spans of one article against its gold spans."""
    n = len(article.text)
    damaged = chars_of(article.damaged, n)
    tally = Tally(chars=n - len(damaged), clipped_spans=article.clipped_spans, skipped_spans=article.skipped_spans,
                  damaged_segments=len(article.damaged), damaged_chars=len(damaged))
    major = chars_of([(s.start, s.end) for s in article.spans if s.severity == "major"], n) - damaged
    anysev = chars_of([(s.start, s.end) for s in article.spans], n) - damaged
    pred = chars_of([(p[0], p[1]) for p in predicted], n) - damaged
    tally.gold_chars = len(major)
    tally.char_tp, tally.char_fp, tally.char_fn = len(pred & major), len(pred - major), len(major - pred)
    tally.any_tp, tally.any_fp, tally.any_fn = len(pred & anysev), len(pred - anysev), len(anysev - pred)
    for start, end, kind, *detector in predicted:
        own = chars_of([(start, end)], n) - damaged
        tally.kind_chars[kind] += len(own)
        tally.kind_hits[kind] += len(own & major)
        if detector:
            tally.detector_chars[detector[0]] += len(own)
            tally.detector_hits[detector[0]] += len(own & major)
    for kind in {p[2] for p in predicted}:
        tally.kind_recall[kind] += len(chars_of([(p[0], p[1]) for p in predicted if p[2] == kind], n) & major)
    for seg_start, seg_end in article.segments:
        if (seg_start, seg_end) in article.damaged:
            continue
        positive = any(s.severity == "major" and s.start < seg_end and s.end > seg_start for s in article.spans)
        flagged = any(p[0] < seg_end and p[1] > seg_start for p in predicted)
        if positive and flagged:
            tally.seg_tp += 1
        elif flagged:
            tally.seg_fp += 1
        elif positive:
            tally.seg_fn += 1
        else:
            tally.seg_tn += 1
    return tally


def _detector():
    """Offline brief of a list of sources -> its discrepancies (the engine alone if no pipeline yet)."""
    config = offline_config()
    try:
        from reporter.pipeline import build_brief
    except ImportError:
        from reporter.evidence import analyse

        return "evidence.analyse", lambda sources: analyse(sources, config.thresholds).discrepancies
    return "pipeline.build_brief", lambda sources: build_brief(sources, config).discrepancies


def score_doc(doc: dict, detect) -> Tally:
    """Run one document's translations as one cluster and score every translation."""
    articles = doc_articles(doc)
    sources = [make_source(a.text, a.source_name) for a in articles]
    by_id = {src.id: art for src, art in zip(sources, articles, strict=True)}
    predicted: dict[str, list[tuple[int, int, str, str]]] = {src.id: [] for src in sources}
    total = Tally()
    for disc in detect(sources):
        if disc.kind not in SCORED_KINDS:
            continue
        total.flags[disc.kind] += 1
        for ev in disc.evidence:
            if ev.source_id in predicted:
                predicted[ev.source_id].append((ev.start, ev.end, disc.kind, disc.detector or disc.kind))
    for source_id, article in by_id.items():
        total.add(score_article(article, predicted[source_id]))
    return total


def summarise(tally: Tally, docs: int, seconds: float) -> dict:
    """The figures of one half."""
    p, r, f = prf(tally.char_tp, tally.char_fp, tally.char_fn)
    ap, ar, af = prf(tally.any_tp, tally.any_fp, tally.any_fn)
    sp, sr, sf = prf(tally.seg_tp, tally.seg_fp, tally.seg_fn)
    density = tally.gold_chars / tally.chars if tally.chars else 0.0
    return {
        "docs": docs,
        "seconds": round(seconds, 2),
        "char_precision": round(p, 4), "char_recall": round(r, 4), "char_f1": round(f, 4),
        "char_f1_major_minor": round(af, 4), "char_precision_major_minor": round(ap, 4),
        "char_recall_major_minor": round(ar, 4),
        "segment_precision": round(sp, 4), "segment_recall": round(sr, 4), "segment_f1": round(sf, 4),
        "segments": tally.seg_tp + tally.seg_fp + tally.seg_fn + tally.seg_tn,
        "positive_segments": tally.seg_tp + tally.seg_fn,
        "flagged_segments": tally.seg_tp + tally.seg_fp,
        "chars": tally.chars, "gold_major_chars": tally.gold_chars,
        "flag_everything_precision": round(density, 4),
        "flag_everything_f1": round(2 * density / (1 + density), 4) if density else 0.0,
        "segment_base_rate": round((tally.seg_tp + tally.seg_fn) / max(1, tally.seg_tp + tally.seg_fp
                                                                          + tally.seg_fn + tally.seg_tn), 4),
        "flags_by_kind": dict(tally.flags),
        "precision_by_kind": {k: round(tally.kind_hits[k] / v, 4) for k, v in tally.kind_chars.items() if v},
        "predicted_chars_by_kind": dict(tally.kind_chars),
        "recall_by_kind": {k: round(v / tally.gold_chars, 4) for k, v in tally.kind_recall.items()
                           if tally.gold_chars},
        "precision_by_detector": {k: {"chars": v, "precision": round(tally.detector_hits[k] / v, 4)}
                                  for k, v in sorted(tally.detector_chars.items()) if v},
        "clipped_spans": tally.clipped_spans, "skipped_spans": tally.skipped_spans,
        "damaged_segments_excluded": tally.damaged_segments, "damaged_chars_excluded": tally.damaged_chars,
    }


def run(quick: bool = False) -> tuple[dict, list[dict]]:
    """Score both halves; quick mode scores four documents of each."""
    detector_name, detect = _detector()
    dev, test = split_docs(load_docs())
    if quick:
        dev, test = dev[:4], test[:4]
    results: dict = {"detector": detector_name, "scored_kinds": list(SCORED_KINDS),
                     "split": "sorted doc_id; even positions dev, odd positions test",
                     "wmt23_qe_reference_char_f1": WMT23_QE_CHAR_F1}
    for name, docs in (("dev", dev), ("test", test)):
        total = Tally()
        t0 = time.perf_counter()
        for i, doc in enumerate(docs, 1):
            total.add(score_doc(doc, detect))
            print(f"  detection {name}: {i}/{len(docs)} {doc['doc_id']}", file=sys.stderr)
        results[name] = summarise(total, len(docs), time.perf_counter() - t0)
        results[name]["doc_ids"] = [d["doc_id"] for d in docs]
    from bench.baselines import run as run_baselines

    print("  detection: baselines", file=sys.stderr)
    results["baselines"] = run_baselines(dev, test)
    rows = []
    for name in ("test", "dev"):
        s = results[name]
        rows.append(row("detection", f"{name} ({s['docs']} docs): char P / R / F1 (major)",
                        f"{s['char_precision']:.3f} / {s['char_recall']:.3f} / {s['char_f1']:.3f}",
                        f"context: flag-all P {s['flag_everything_precision']:.3f}, F1 "
                        f"{s['flag_everything_f1']:.3f}; WMT23 QE ~0.27"))
        rows.append(row("detection", f"{name}: segment P / R (positive {s['positive_segments']}"
                        f" of {s['segments']})", f"{s['segment_precision']:.3f} / {s['segment_recall']:.3f}",
                        f"context: flag-all P {s['segment_base_rate']:.3f}"))
    for name, b in results["baselines"].items():
        if not isinstance(b, dict) or "test" not in b:
            continue
        t = b["test"]
        rows.append(row("detection", f"baseline, test: {name}: char P / R / F1; segment P",
                        f"{t['char_precision']:.3f} / {t['char_recall']:.3f} / {t['char_f1']:.3f}; "
                        f"{t['segment_precision']:.3f}"))
    return results, rows
