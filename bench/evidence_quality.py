"""Recall and precision of the evidence engine on hand-labelled cases (offline, a second or two).

    python bench/evidence_quality.py            # table per split and kind
    python bench/evidence_quality.py --misses   # also list missed labels and unmatched flags

Labels: tests/cases/evidence/labels.json (hand labels of the seeds' real problems plus small hand-made cases
per detector; `split` tells the part looked at while building the engine, "tune", from the "heldout" part).
A flag matches a label when it has the label's kind and its evidence overlaps the label's anchors (two of
them for cross-source labels, the one for single-source labels). Recall = labels matched / labels;
precision = flags matching some label / flags (every flag is counted, so an unlabelled flag is a false one).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reporter.evidence import analyse  # noqa: E402
from reporter.ingest import source_from_text  # noqa: E402
from reporter.models import Discrepancy, Source  # noqa: E402

LABELS = ROOT / "tests" / "cases" / "evidence" / "labels.json"
KINDS = ("spelling", "garbled_text", "wording_variant", "attribution_conflict", "factual_conflict", "boilerplate")


@dataclass
class Score:
    """Counts of one split (and per kind)."""

    labels: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    flags: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    true_flags: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)


def anchor_spans(label: dict, sources: dict[str, Source]) -> list[tuple[str, int, int]]:
    """Offsets of each anchor's text in its source (first occurrence); a missing anchor is a label bug."""
    spans = []
    for anchor in label["anchors"]:
        text = sources[anchor["source"]].text
        at = text.find(anchor["text"])
        if at < 0:
            raise SystemExit(f"{LABELS}: anchor not found in {anchor['source']}: {anchor['text']!r}")
        spans.append((anchor["source"], at, at + len(anchor["text"])))
    return spans


def matches(flag: Discrepancy, label: dict, spans: list[tuple[str, int, int]]) -> bool:
    """The flag has the label's kind and its evidence overlaps enough of the label's anchors."""
    if flag.kind != label["kind"]:
        return False
    hit = sum(any(e.source_id == s and e.start < t and s_ < e.end for e in flag.evidence) for s, s_, t in spans)
    return hit >= min(2, len(spans))


def score_scope(sources: dict[str, Source], labels: list[dict], forbid: list[dict], score: Score, name: str) -> None:
    """Run the engine on one cluster and add its counts to `score`."""
    report = analyse(list(sources.values()))
    spans = [anchor_spans(lab, sources) for lab in labels]
    for lab, sp in zip(labels, spans, strict=True):
        score.labels[lab["kind"]] += 1
        if any(matches(f, lab, sp) for f in report.discrepancies):
            score.found[lab["kind"]] += 1
        else:
            score.missed.append(f"{name}: {lab['kind']} {[a['text'][:50] for a in lab['anchors']]}")
    for f in report.discrepancies:
        score.flags[f.kind] += 1
        if any(matches(f, lab, sp) for lab, sp in zip(labels, spans, strict=True)):
            score.true_flags[f.kind] += 1
        else:
            score.false.append(f"{name}: {f.kind} {f.title[:90]}")
    for lab in forbid:
        if any(matches(f, lab, anchor_spans(lab, sources)) for f in report.discrepancies):
            score.false.append(f"{name}: FORBIDDEN {lab['kind']} {[a['text'][:40] for a in lab['anchors']]}")


def evaluate() -> dict[str, Score]:
    """Scores per split: seeds, tune cases, held-out cases."""
    data = json.loads(LABELS.read_text(encoding="utf-8"))
    scores = {"seeds": Score(), "cases-tune": Score(), "cases-heldout": Score()}
    seed_dir = ROOT / data["seeds"]["dir"]
    seeds = {p.stem: source_from_text(p.read_text(encoding="utf-8"), path=str(p)) for p in sorted(seed_dir.glob("*"))}
    score_scope(seeds, data["seeds"]["labels"], data["seeds"]["forbid"], scores["seeds"], "seeds")
    for case in data["cases"]:
        sources = {sid: source_from_text(text, path=f"{sid}.txt") for sid, text in case["sources"].items()}
        split = "cases-heldout" if case["split"] == "heldout" else "cases-tune"
        score_scope(sources, case["expect"], case["forbid"], scores[split], case["name"])
    return scores


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f} ({a}/{b})" if b else "  -"


def main() -> int:
    scores = evaluate()
    total = Score()
    for sc in scores.values():
        for attr in ("labels", "found", "flags", "true_flags"):
            for k, v in getattr(sc, attr).items():
                getattr(total, attr)[k] += v
    print(f"{'split':<14} {'kind':<21} {'recall':>14} {'precision':>14}")
    for name, sc in [*scores.items(), ("all", total)]:
        for kind in (*KINDS, "overall"):
            if kind == "overall":
                lab, fnd = sum(sc.labels.values()), sum(sc.found.values())
                flg, tru = sum(sc.flags.values()), sum(sc.true_flags.values())
            else:
                lab, fnd, flg, tru = sc.labels[kind], sc.found[kind], sc.flags[kind], sc.true_flags[kind]
            if lab or flg:
                print(f"{name:<14} {kind:<21} {_ratio(fnd, lab):>14} {_ratio(tru, flg):>14}")
        print()
    if "--misses" in sys.argv:
        for sc in scores.values():
            for m in sc.missed:
                print("MISSED", m)
            for f in sc.false:
                print("FALSE ", f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
