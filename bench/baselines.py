"""Baselines the WMT detection figures are read against, computed in the same run on the same halves.

They are given the annotated segmentation (which translation's segment renders which source sentence),
something reporter has to find for itself by aligning sentences, so they are, if anything, flattered.

* **token consensus**: a word is suspect when fewer than half of the other versions of its segment contain it
  (lower-cased, as a bag of words).
* **aligned-word consensus (rapidfuzz)**: each version of a segment is aligned word by word with every other
  (rapidfuzz Indel opcodes over lower-cased stems); a word is suspect when fewer than a share `t` of the
  other versions align it. `t` is chosen on the dev half (0.4-0.7) and applied unchanged to the test half.
* **flag every segment**: every segment flagged in full (its character figures are the "flag-all" context).
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Indel

from bench.detection import Tally, score_article, summarise
from bench.wmt import Article, doc_articles
from reporter.evidence.lexicon import stem

_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
ALIGNED_THRESHOLDS = (0.4, 0.5, 0.6, 0.7)


def _segments(doc: dict) -> tuple[list[Article], list[list[tuple[Article, list[tuple[str, int, int]]]]]]:
    """The articles of a document and, per segment index, each article's words with article offsets."""
    articles = doc_articles(doc)
    count = max(len(a.segments) for a in articles)
    out = []
    for k in range(count):
        versions = []
        for a in articles:
            if k < len(a.segments):
                s, e = a.segments[k]
                versions.append((a, [(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(a.text, s, e)]))
        out.append(versions)
    return articles, out


def _aligned_shares(versions) -> list[list[float]]:
    """For each version's words, the share of the other versions whose word alignment pairs them."""
    ids: dict[str, int] = {}
    seqs = [[ids.setdefault(stem(w), len(ids)) for w, _, _ in toks] for _, toks in versions]
    counts = [[0] * len(s) for s in seqs]
    for i in range(len(seqs)):
        for j in range(i + 1, len(seqs)):
            for op in Indel.opcodes(seqs[i], seqs[j]):
                if op.tag == "equal":
                    for k in range(op.src_start, op.src_end):
                        counts[i][k] += 1
                    for k in range(op.dest_start, op.dest_end):
                        counts[j][k] += 1
    others = max(1, len(seqs) - 1)
    return [[c / others for c in row] for row in counts]


def _figures(docs: list[dict], predict) -> dict:
    total = Tally()
    for doc in docs:
        articles, segments = _segments(doc)
        predicted: dict[int, list[tuple]] = {id(a): [] for a in articles}
        for versions in segments:
            if len(versions) < 2:
                continue
            for a, start, end in predict(versions):
                predicted[id(a)].append((start, end, "baseline"))
        for a in articles:
            total.add(score_article(a, predicted[id(a)]))
    return summarise(total, len(docs), 0.0)


def token_consensus(versions):
    """Words fewer than half of the other versions of the segment contain."""
    bags = [{w for w, _, _ in toks} for _, toks in versions]
    for i, (a, toks) in enumerate(versions):
        for w, s, e in toks:
            if sum(w in b for j, b in enumerate(bags) if j != i) * 2 < len(versions) - 1:
                yield a, s, e


def aligned_consensus(threshold: float):
    """Words fewer than `threshold` of the other versions align (rapidfuzz word alignment)."""
    def predict(versions):
        for (a, toks), shares in zip(versions, _aligned_shares(versions), strict=True):
            for (_, s, e), share in zip(toks, shares, strict=True):
                if share < threshold:
                    yield a, s, e
    return predict


def flag_every_segment(versions):
    """Every segment in full."""
    for a, toks in versions:
        if toks:
            yield a, toks[0][1], toks[-1][2]


def run(dev: list[dict], test: list[dict]) -> dict:
    """Every baseline on both halves; the aligned baseline's threshold chosen on dev by char F1."""
    by_threshold = {t: _figures(dev, aligned_consensus(t)) for t in ALIGNED_THRESHOLDS}
    best = max(ALIGNED_THRESHOLDS, key=lambda t: (by_threshold[t]["char_f1"], -t))
    out: dict = {"aligned_threshold_chosen_on_dev": best,
                 "aligned_dev_f1_by_threshold": {str(t): by_threshold[t]["char_f1"] for t in ALIGNED_THRESHOLDS}}
    for name, predict in (("token consensus", token_consensus),
                          (f"aligned-word consensus (rapidfuzz, t={best})", aligned_consensus(best)),
                          ("flag every segment", flag_every_segment)):
        out[name] = {}
        for half, docs in (("test", test), ("dev", dev)):
            s = by_threshold[best] if (half == "dev" and predict.__name__ == "predict") else _figures(docs, predict)
            out[name][half] = {k: s[k] for k in ("char_precision", "char_recall", "char_f1", "segment_precision",
                                                 "segment_recall")}
    return out
