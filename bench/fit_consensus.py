"""Fit the word-consensus model of `reporter.evidence.minority` on the WMT21 dev half (never the test half).

    .venv/bin/pip install numpy            # a tuning tool only: reporter itself does not need numpy
    .venv/bin/python -m bench.fit_consensus            # fit, choose thresholds, print the dev grid
    .venv/bin/python -m bench.fit_consensus --write    # ... and write reporter/data/consensus_model.json

Every dev document is analysed the way `evidence.analyse` does (parse, alignment, cluster); each word of each
aligned rendering gets `wordalign.FEATURES`, and its label says whether at least half of its characters lie
in a *major* MQM span. A logistic regression (L2, standardised features) is fitted by gradient descent, then
the three thresholds (`high`: a word is flagged; `low`: a flagged phrase grows over neighbours this likely;
`segment`: a rendering is flagged only if its words' probabilities sum to this much) are chosen on the dev
half by the character F1 of the whole engine (this detector plus the other detectors' flags of the scored
kinds, as `bench/detection.py` scores them), among thresholds whose segment precision is at least
`--min-segment-precision` (default none; flagging every segment gives 0.475 on dev). Deterministic: same
data, same model.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from bench.common import ROOT, make_source
from bench.detection import SCORED_KINDS, Tally, score_article, summarise
from bench.wmt import doc_articles, load_docs, split_docs
from reporter.config import EvidenceThresholds
from reporter.evidence import DETECTORS, boilerplate, minority
from reporter.evidence.align import align
from reporter.evidence.flags import Cluster
from reporter.evidence.minority import featured_groups
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
                rends.append((r.doc, [(t.start, t.end) for t in r.tokens], rows, labels))
        out.append({"articles": by_id, "renderings": rends, "others": others})
        print(f"  features: {doc['doc_id']}", file=sys.stderr)
    return out


def fit(X, y, l2: float = 1e-3, iters: int = 4000, rate: float = 0.5):
    """L2 logistic regression on standardised columns, batch gradient descent."""
    import numpy as np

    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = (X - mu) / sd
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        w -= rate * (Z.T @ (p - y) / len(y) + l2 * w)
        b -= rate * float((p - y).mean())
    return mu, sd, w, b


def score(data: list[dict], probs: list[list[list[float]]], high: float, low: float, segment: float) -> dict:
    """Character and segment figures of the engine (this detector at these thresholds, plus the others)."""
    total = Tally()
    for entry, doc_probs in zip(data, probs, strict=True):
        predicted: dict[str, list[tuple]] = {sid: [] for sid in entry["articles"]}
        for sid, start, end in entry["others"]:
            if sid in predicted:
                predicted[sid].append((start, end, "other"))
        for (sid, offsets, _, _), p in zip(entry["renderings"], doc_probs, strict=True):
            if math.fsum(p) < segment:
                continue
            for i, j in runs(p, high, low):
                predicted[sid].append((offsets[i][0], offsets[j][1], "wording_variant"))
        for sid, art in entry["articles"].items():
            total.add(score_article(art, predicted[sid]))
    return summarise(total, len(data), 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fit_consensus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write reporter/data/consensus_model.json")
    parser.add_argument("--min-segment-precision", type=float, default=0.0)
    args = parser.parse_args()
    try:
        import numpy as np
    except ImportError:
        print("bench.fit_consensus needs numpy (a tuning tool only): .venv/bin/pip install numpy", file=sys.stderr)
        return 2
    dev, _ = split_docs(load_docs())
    data = dataset(dev)
    X = np.array([row for e in data for (_, _, rows, _) in e["renderings"] for row in rows], dtype=float)
    y = np.array([lab for e in data for (_, _, _, labels) in e["renderings"] for lab in labels], dtype=float)
    mu, sd, w, b = fit(X, y)
    print("weights:", {f: round(float(v), 3) for f, v in zip(FEATURES, w, strict=True)}, "bias", round(b, 3))

    def prob(rows):
        if not rows:
            return []
        z = ((np.array(rows, dtype=float) - mu) / sd) @ w + b
        return [float(v) for v in 1 / (1 + np.exp(-np.clip(z, -30, 30)))]

    probs = [[prob(rows) for (_, _, rows, _) in e["renderings"]] for e in data]
    best = None
    for high in (0.12, 0.14, 0.15, 0.16, 0.18, 0.2):
        for low in (0.1, 0.12, high):
            for segment in (0.0, 1.0, 1.5, 1.75, 2.0, 2.25, 2.5):
                if low > high:
                    continue
                s = score(data, probs, high, low, segment)
                print(f"high {high:.2f} low {low:.2f} segment {segment:.2f}: char P/R/F1 {s['char_precision']:.3f} / "
                      f"{s['char_recall']:.3f} / {s['char_f1']:.3f}; segment P/R {s['segment_precision']:.3f} / "
                      f"{s['segment_recall']:.3f}")
                ok = s["segment_precision"] >= args.min_segment_precision
                if ok and (best is None or s["char_f1"] > best[0]):
                    best = (s["char_f1"], high, low, segment)
    if best is None:
        print("no thresholds reach that segment precision", file=sys.stderr)
        return 1
    print(f"chosen on dev: high {best[1]}, low {best[2]}, segment {best[3]} (char F1 {best[0]:.3f})")
    if args.write:
        MODEL_PATH.write_text(json.dumps({
            "about": "bench/fit_consensus.py on the WMT21 zh-en dev half; logistic model over wordalign.FEATURES",
            "features": list(FEATURES), "means": [round(float(v), 6) for v in mu],
            "scales": [round(float(v), 6) for v in sd], "weights": [round(float(v), 6) for v in w],
            "bias": round(b, 6), "high": best[1], "low": best[2], "segment": best[3],
        }, indent=1) + "\n", encoding="utf-8")
        print(f"written {MODEL_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
