"""Fit the word-consensus model of `reporter.evidence.minority` on the WMT21 dev half (never the test half).

    .venv/bin/pip install numpy            # a tuning tool only: reporter itself does not need numpy
    .venv/bin/python -m bench.fit_consensus            # fit, choose thresholds, print the dev grid
    .venv/bin/python -m bench.fit_consensus --write    # ... and write reporter/data/consensus_model.json

Every dev document is analysed the way `evidence.analyse` does (parse, alignment, cluster); each word of each
aligned rendering gets `wordalign.FEATURES`, and its label says whether at least half of its characters lie
in a *major* MQM span. A logistic regression (L2, standardised features) is fitted by Newton's method (the
same objective the earlier gradient descent approached, in seconds instead of minutes). Then the three
thresholds (`high`: a word is flagged; `low`: a flagged phrase grows over neighbours this likely; `excess`: a
rendering is flagged only if its words' probabilities exceed `high` by this much in sum, see
`minority.doubt`) are chosen on the dev half from the whole engine's figures (this detector plus the other
detectors' flags of the scored kinds, as `bench/detection.py` scores them), jointly for character F1 and
segment precision: among settings whose dev character F1 is within `--f1-tolerance` (default 0.005, about
the spread between dev folds) of the best, the one with the highest dev segment precision.
`--min-segment-precision P` instead takes the best dev F1 among settings reaching P. Deterministic: same
data, same model.
"""

from __future__ import annotations

import argparse
import json
import sys

from bench.common import ROOT, make_source
from bench.detection import SCORED_KINDS, chars_of, prf
from bench.wmt import doc_articles, load_docs, split_docs
from reporter.config import EvidenceThresholds
from reporter.evidence import DETECTORS, boilerplate, minority
from reporter.evidence.align import align
from reporter.evidence.flags import Cluster
from reporter.evidence.minority import _forced, doubt, featured_groups
from reporter.evidence.structure import parse
from reporter.evidence.wordalign import FEATURES, runs

MODEL_PATH = ROOT / "reporter" / "data" / "consensus_model.json"


def cluster_of(sources) -> Cluster:
    """The cluster `evidence.analyse` builds for these sources."""
    thresholds = EvidenceThresholds()
    docs = {s.id: parse(s) for s in sorted(sources, key=lambda s: s.id)}
    boilerplate.mark_unrelated_tail(docs)
    alignment = align(list(docs.values()), thresholds.align_similarity, thresholds.wording_min_similarity)
    return Cluster.build(docs, alignment, thresholds)


def dataset(docs: list[dict]) -> list[dict]:
    """One entry per document: its articles by source id and, per rendering, token offsets/features/labels."""
    out = []
    for doc in docs:
        articles = doc_articles(doc)
        sources = [make_source(a.text, a.source_name) for a in articles]
        by_id = {s.id: a for s, a in zip(sources, articles, strict=True)}
        rends = []
        cluster = cluster_of(sources)
        # the other detectors' scored evidence, so thresholds are chosen for the engine as a whole
        floor = cluster.thresholds.min_confidence
        others = [(e.source_id, e.start, e.end) for detect in DETECTORS if detect is not minority.detect
                  for f in detect(cluster) if f.kind in SCORED_KINDS and f.confidence >= floor for e in f.evidence]
        for _, rs, feats in featured_groups(cluster):
            for r, rows in zip(rs, feats, strict=True):
                art = by_id[r.doc]
                major: set[int] = set()
                for sp in art.spans:
                    if sp.severity == "major":
                        major.update(range(sp.start, sp.end))
                labels = [float(sum(c in major for c in range(t.start, t.end)) * 2 >= t.end - t.start)
                          for t in r.tokens]
                rends.append((r.doc, [(t.start, t.end) for t in r.tokens], rows, labels, _forced(r, len(rs))))
        out.append({"articles": by_id, "renderings": rends, "others": others, "gold": _gold(by_id, others)})
        print(f"  features: {doc['doc_id']}", file=sys.stderr)
    return out


def fit(X, y, l2: float = 1e-3):
    """L2 logistic regression on standardised columns (mean log loss + l2/2 |w|^2, bias not penalised),
    by Newton's method: a few dozen features converge in about ten steps."""
    import numpy as np

    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = np.hstack([(X - mu) / sd, np.ones((len(X), 1))])
    reg = np.full(Z.shape[1], l2)
    reg[-1] = 0.0
    beta = np.zeros(Z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(Z @ beta)))
        gradient = Z.T @ (p - y) / len(y) + reg * beta
        hessian = (Z * (p * (1 - p))[:, None]).T @ Z / len(y) + np.diag(reg)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return mu, sd, beta[:-1], float(beta[-1])


def _gold(articles: dict, others: list[tuple[str, int, int]]) -> dict:
    """Per article what does not depend on the thresholds: its scored major characters, the other detectors'
    scored characters, and its scored segments (start, end, positive, flagged by the other detectors)."""
    out = {}
    for sid, art in articles.items():
        n = len(art.text)
        damaged = chars_of(art.damaged, n)
        major = chars_of([(s.start, s.end) for s in art.spans if s.severity == "major"], n) - damaged
        spans = [(s, e) for o, s, e in others if o == sid]
        segments = [(s, e, any(sp.severity == "major" and sp.start < e and sp.end > s for sp in art.spans),
                     any(a < e and b > s for a, b in spans))
                    for s, e in art.segments if (s, e) not in art.damaged]
        out[sid] = (n, damaged, major, chars_of(spans, n) - damaged, segments)
    return out


def score(data: list[dict], probs: list[list[list[float]]], high: float, low: float, excess: float) -> dict:
    """Character F1 and segment precision of the engine (this detector at these thresholds, plus the others),
    counted as `bench.detection.score_article` counts them (tests/test_bench_scoring.py checks they agree)."""
    tp = fp = fn = seg_tp = seg_fp = 0
    for entry, doc_probs in zip(data, probs, strict=True):
        spans: dict[str, list[tuple[int, int]]] = {sid: [] for sid in entry["articles"]}
        for (sid, offsets, _, _, forced), p in zip(entry["renderings"], doc_probs, strict=True):
            if excess and doubt(p, high) < excess and not forced:
                continue
            spans[sid].extend((offsets[i][0], offsets[j][1]) for i, j in runs(p, high, low))
        for sid, (n, damaged, major, others, segments) in entry["gold"].items():
            pred = (chars_of(spans[sid], n) - damaged) | others
            tp, fp, fn = tp + len(pred & major), fp + len(pred - major), fn + len(major - pred)
            for s, e, positive, flagged in segments:
                if flagged or any(a < e and b > s for a, b in spans[sid]):
                    seg_tp, seg_fp = seg_tp + positive, seg_fp + (not positive)
    p, r, f = prf(tp, fp, fn)
    return {"char_precision": p, "char_recall": r, "char_f1": f,
            "segment_precision": seg_tp / (seg_tp + seg_fp) if seg_tp + seg_fp else 0.0}


def choose(grid: list[tuple[dict, tuple[float, float, float]]], f1_tolerance: float,
           min_segment_precision: float | None) -> tuple[dict, tuple[float, float, float]] | None:
    """The thresholds to ship: with `min_segment_precision`, the best F1 among settings reaching it; otherwise
    the best segment precision among settings within `f1_tolerance` of the best F1 (ties: higher F1, then
    the grid's order)."""
    if min_segment_precision is not None:
        ok = [g for g in grid if g[0]["segment_precision"] >= min_segment_precision]
        return max(ok, key=lambda g: g[0]["char_f1"]) if ok else None
    best = max(g[0]["char_f1"] for g in grid)
    ok = [g for g in grid if g[0]["char_f1"] >= best - f1_tolerance]
    return max(ok, key=lambda g: (round(g[0]["segment_precision"], 6), g[0]["char_f1"]))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fit_consensus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write reporter/data/consensus_model.json")
    parser.add_argument("--min-segment-precision", type=float, default=None,
                        help="take the best dev F1 among settings whose dev segment precision reaches this")
    parser.add_argument("--f1-tolerance", type=float, default=0.005,
                        help="otherwise: the best dev segment precision within this much of the best dev F1")
    args = parser.parse_args()
    try:
        import numpy as np
    except ImportError:
        print("bench.fit_consensus needs numpy (a tuning tool only): .venv/bin/pip install numpy", file=sys.stderr)
        return 2
    dev, _ = split_docs(load_docs())
    data = dataset(dev)
    X = np.array([row for e in data for r in e["renderings"] for row in r[2]], dtype=float)
    y = np.array([lab for e in data for r in e["renderings"] for lab in r[3]], dtype=float)
    mu, sd, w, b = fit(X, y)
    print("weights:", {f: round(float(v), 3) for f, v in zip(FEATURES, w, strict=True)}, "bias", round(b, 3))

    def prob(rows):
        if not rows:
            return []
        z = ((np.array(rows, dtype=float) - mu) / sd) @ w + b
        return [float(v) for v in 1 / (1 + np.exp(-np.clip(z, -30, 30)))]

    probs = [[prob(r[2]) for r in e["renderings"]] for e in data]
    grid = []
    for high in (0.12, 0.13, 0.14, 0.15, 0.16, 0.18, 0.2):
        for low in sorted({v for v in (0.1, 0.11, 0.12, 0.13, 0.14, high) if v <= high}):
            for excess in (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15):
                s = score(data, probs, high, low, excess)
                print(f"high {high:.2f} low {low:.2f} excess {excess:.2f}: char P/R/F1 {s['char_precision']:.3f} / "
                      f"{s['char_recall']:.3f} / {s['char_f1']:.4f}; segment P {s['segment_precision']:.3f}")
                grid.append((s, (high, low, excess)))
    chosen = choose(grid, args.f1_tolerance, args.min_segment_precision)
    if chosen is None:
        print("no thresholds reach that segment precision", file=sys.stderr)
        return 1
    s, (high, low, excess) = chosen
    print(f"chosen on dev: high {high}, low {low}, excess {excess} (char F1 {s['char_f1']:.4f}, "
          f"segment P {s['segment_precision']:.3f})")
    if args.write:
        MODEL_PATH.write_text(json.dumps({
            "about": "bench/fit_consensus.py on the WMT21 zh-en dev half; logistic model over wordalign.FEATURES",
            "features": list(FEATURES), "means": [round(float(v), 6) for v in mu],
            "scales": [round(float(v), 6) for v in sd], "weights": [round(float(v), 6) for v in w],
            "bias": round(b, 6), "high": high, "low": low, "excess": excess,
        }, indent=1) + "\n", encoding="utf-8")
        print(f"written {MODEL_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
