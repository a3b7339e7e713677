"""Recall and precision of the evidence engine on hand-labelled real multi-outlet news (offline, ~10 s).

    python -m bench.real_news                  # tables per split, per cluster and per kind
    python -m bench.real_news --misses         # also list missed items and unmatched flags
    python -m bench.real_news --split test     # one part only
    python -m bench.real_news --json out.json  # figures as JSON

The texts live outside the project (../shared/evaldata/real-news, or $REPORTER_REAL_NEWS_DIR); only the labels
are here: bench/labels/real_news/<cluster>.json, one file per cluster (format in that folder's README.md). Each
cluster is in the "dev" part (looked at while tuning the engine) or the "test" part (reported, not tuned on).

Scoring. An item is found when a flag of one of the item's kinds has evidence overlapping its span, or, for
an item with several spans (one per source), overlapping at least two of them. Recall counts required items
only; precision counts every flag of the engine: a flag is true when it matches any item, required or not.
"conflicts" is factual_conflict plus attribution_conflict. A conflict flag that matches no item but touches
a statement labelled as agreed is a *false conflict on an agreed statement*; a boilerplate flag touching a
span labelled "keep" (credit lines, text after a Related block) and a flag of a kind forbidden on a span
(English spelling on Spanish text) are counted as such too. Every label span must occur verbatim in its file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reporter.evidence import analyse  # noqa: E402
from reporter.ingest import source_from_text  # noqa: E402
from reporter.models import Discrepancy, Source  # noqa: E402

LABELS = ROOT / "bench" / "labels" / "real_news"
DATA_SUBDIR = Path("shared/evaldata/real-news")
KINDS = ("factual_conflict", "attribution_conflict", "wording_variant", "garbled_text", "spelling", "boilerplate")
CONFLICTS = ("factual_conflict", "attribution_conflict")


def data_dir() -> Path:
    """The real-news folder: $REPORTER_REAL_NEWS_DIR, else shared/evaldata/real-news above the project."""
    env = os.environ.get("REPORTER_REAL_NEWS_DIR")
    if env:
        if (Path(env) / "README.md").is_file():
            return Path(env)
        raise SystemExit(f"REPORTER_REAL_NEWS_DIR={env}: no README.md there")
    for parent in ROOT.parents:
        if (parent / DATA_SUBDIR / "README.md").is_file():
            return parent / DATA_SUBDIR
    raise SystemExit("real-news data not found: set REPORTER_REAL_NEWS_DIR or place ../shared/evaldata/real-news")


@dataclass
class Anchor:
    """One labelled span: every occurrence of its text in one file (or the n-th, when the label says so)."""

    file: str
    text: str
    spans: list[tuple[int, int]]


@dataclass
class Item:
    """A labelled item: what kind(s) of flag should report it, and where."""

    kinds: tuple[str, ...]
    anchors: list[Anchor]
    required: bool = True
    sub: str = ""
    note: str = ""

    @property
    def kind(self) -> str:
        return self.kinds[0]


@dataclass
class Cluster:
    """One labelled cluster: its sources and its labels."""

    name: str
    split: str
    sources: dict[str, Source]  # file (relative to real-news/) -> Source
    items: list[Item]
    agreed: list[Item]
    keep: list[Item]
    forbid: list[Item]

    @property
    def source_file(self) -> dict[str, str]:
        return {s.id: f for f, s in self.sources.items()}


def _anchor(spec: dict, text: str, where: str) -> Anchor:
    needle = spec["text"]
    found, at = [], text.find(needle)
    while at >= 0:
        found.append((at, at + len(needle)))
        at = text.find(needle, at + 1)
    if not found:
        raise SystemExit(f"{where}: span not found in {spec['file']}: {needle[:80]!r}")
    if "occurrence" in spec:
        if spec["occurrence"] > len(found):
            raise SystemExit(f"{where}: occurrence {spec['occurrence']} of {needle[:60]!r} not in {spec['file']}")
        found = [found[spec["occurrence"] - 1]]
    return Anchor(spec["file"], needle, found)


def _items(raw: list[dict], texts: dict[str, str], where: str, default_kinds: tuple[str, ...]) -> list[Item]:
    out = []
    for spec in raw:
        kind = spec.get("kind", default_kinds)
        kinds = (kind,) if isinstance(kind, str) else tuple(kind)
        for k in kinds:
            if k not in KINDS:
                raise SystemExit(f"{where}: unknown kind {k!r}")
        anchors = [_anchor(s, texts[s["file"]], where) for s in spec["spans"]]
        out.append(Item(kinds, anchors, spec.get("required", True), spec.get("sub", ""), spec.get("note", "")))
    return out


def load_clusters(split: str | None = None, names: list[str] | None = None) -> list[Cluster]:
    """Every labelled cluster (of one split, or named ones), with its sources read from the data folder."""
    root = data_dir()
    clusters = []
    for path in sorted(LABELS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if split and data["split"] != split:
            continue
        if names and data["cluster"] not in names and path.stem not in names:
            continue
        files = sorted(p for p in (root / data["cluster"]).glob("*.txt"))
        texts = {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in files}
        sources = {f: source_from_text(t, path=f) for f, t in texts.items()}
        where = str(path.relative_to(ROOT))
        clusters.append(Cluster(
            name=data["cluster"], split=data["split"], sources=sources,
            items=_items(data["items"], texts, where, ()),
            agreed=_items(data.get("agreed", []), texts, where, CONFLICTS),
            keep=_items(data.get("keep", []), texts, where, ("boilerplate",)),
            forbid=_items(data.get("forbid", []), texts, where, ()),
        ))
    return clusters


def _touches(flag: Discrepancy, anchor: Anchor, files: dict[str, str]) -> bool:
    return any(files.get(e.source_id) == anchor.file and any(e.start < t and s < e.end for s, t in anchor.spans)
               for e in flag.evidence)


def matches(flag: Discrepancy, item: Item, files: dict[str, str]) -> bool:
    """The flag is of one of the item's kinds and overlaps its span (two of its spans when it has several)."""
    if flag.kind not in item.kinds:
        return False
    hit = sum(_touches(flag, a, files) for a in item.anchors)
    return hit >= min(2, len(item.anchors))


@dataclass
class Tally:
    """Counts of one group (a split, a cluster, a kind)."""

    required: int = 0
    found: int = 0
    flags: int = 0
    true_flags: int = 0

    def add(self, other: Tally) -> None:
        for name in ("required", "found", "flags", "true_flags"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def recall(self) -> float | None:
        return self.found / self.required if self.required else None

    @property
    def precision(self) -> float | None:
        return self.true_flags / self.flags if self.flags else None


@dataclass
class Result:
    """The score of one cluster."""

    cluster: Cluster
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    missed: list[Item] = field(default_factory=list)
    false_flags: list[Discrepancy] = field(default_factory=list)
    false_on_agreed: list[tuple[Discrepancy, Item]] = field(default_factory=list)
    junk_on_kept: list[tuple[Discrepancy, Item]] = field(default_factory=list)
    forbidden: list[tuple[Discrepancy, Item]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> Tally:
        t = Tally()
        for v in self.by_kind.values():
            t.add(v)
        return t


def score(cluster: Cluster, flags: list[Discrepancy]) -> Result:
    """Score the flags of one cluster against its labels."""
    files = cluster.source_file
    res = Result(cluster)
    for item in cluster.items:
        hit = any(matches(f, item, files) for f in flags)
        if item.required:
            res.by_kind[item.kind].required += 1
            res.by_kind[item.kind].found += hit
            if not hit:
                res.missed.append(item)
    for f in flags:
        tally = res.by_kind[f.kind]
        tally.flags += 1
        if any(matches(f, item, files) for item in cluster.items):
            tally.true_flags += 1
            continue
        res.false_flags.append(f)
        if f.kind in CONFLICTS:
            res.false_on_agreed += [(f, a) for a in cluster.agreed if any(_touches(f, x, files) for x in a.anchors)]
    for f in flags:
        if f.kind == "boilerplate":
            res.junk_on_kept += [(f, k) for k in cluster.keep if any(_touches(f, x, files) for x in k.anchors)]
        res.forbidden += [(f, k) for k in cluster.forbid
                          if f.kind in k.kinds and any(_touches(f, x, files) for x in k.anchors)]
    return res


def run_engine(cluster: Cluster) -> list[Discrepancy]:
    """The offline engine's flags for one cluster."""
    return analyse(list(cluster.sources.values())).discrepancies


def evaluate(split: str | None = None, names: list[str] | None = None, progress: bool = True) -> list[Result]:
    """Run the engine on every labelled cluster and score it."""
    results = []
    for cluster in load_clusters(split, names):
        t0 = time.perf_counter()
        flags = run_engine(cluster)
        res = score(cluster, flags)
        res.seconds = time.perf_counter() - t0
        if progress:
            print(f"  real-news {cluster.split} {cluster.name}: {len(flags)} flags, {res.seconds:.1f} s",
                  file=sys.stderr)
        results.append(res)
    return results


def _fmt(value: float | None, num: int, den: int) -> str:
    return f"{value:.2f} ({num}/{den})" if value is not None else "-"


def _row(name: str, t: Tally) -> str:
    return f"{name:<44} {_fmt(t.recall, t.found, t.required):>15} {_fmt(t.precision, t.true_flags, t.flags):>15}"


def summary(results: list[Result]) -> dict:
    """Figures per split: overall, per kind, conflicts, false conflicts on agreed statements."""
    out: dict = {}
    for split in sorted({r.cluster.split for r in results}):
        part = [r for r in results if r.cluster.split == split]
        total, kinds, conflicts = Tally(), defaultdict(Tally), Tally()
        for r in part:
            total.add(r.total)
            for k, v in r.by_kind.items():
                kinds[k].add(v)
                if k in CONFLICTS:
                    conflicts.add(v)
        out[split] = {
            "clusters": len(part),
            "required_items": total.required,
            "recall": total.recall, "precision": total.precision,
            "conflict_recall": conflicts.recall, "conflict_precision": conflicts.precision,
            "false_conflicts_on_agreed": sum(len(r.false_on_agreed) for r in part),
            "junk_flags_on_kept_text": sum(len(r.junk_on_kept) for r in part),
            "forbidden_flags": sum(len(r.forbidden) for r in part),
            "by_kind": {k: {"recall": v.recall, "precision": v.precision, "required": v.required,
                            "found": v.found, "flags": v.flags, "true_flags": v.true_flags}
                        for k, v in sorted(kinds.items())},
            "by_cluster": {r.cluster.name: {"recall": r.total.recall, "precision": r.total.precision,
                                            "required": r.total.required, "found": r.total.found,
                                            "flags": r.total.flags, "seconds": round(r.seconds, 2)}
                           for r in part},
        }
    return out


def print_report(results: list[Result], misses: bool = False) -> None:
    """Tables per split: per cluster, per kind, conflicts; then misses and false flags if asked."""
    header = f"{'':<44} {'recall':>15} {'precision':>15}"
    for split in sorted({r.cluster.split for r in results}):
        part = [r for r in results if r.cluster.split == split]
        print(f"== {split} part ({len(part)} clusters)")
        print(header)
        total, kinds = Tally(), defaultdict(Tally)
        for r in part:
            print(_row(r.cluster.name, r.total))
            total.add(r.total)
            for k, v in r.by_kind.items():
                kinds[k].add(v)
        print(_row("all clusters", total))
        print()
        print(header)
        conflicts = Tally()
        for k in KINDS:
            if k in kinds:
                print(_row(k, kinds[k]))
                if k in CONFLICTS:
                    conflicts.add(kinds[k])
        print(_row("conflicts (factual + attribution)", conflicts))
        print(f"false conflicts on agreed statements: {sum(len(r.false_on_agreed) for r in part)}; "
              f"junk flags on kept text: {sum(len(r.junk_on_kept) for r in part)}; "
              f"forbidden flags: {sum(len(r.forbidden) for r in part)}")
        print()
    if not misses:
        return
    for r in results:
        for item in r.missed:
            spans = " | ".join(f"{Path(a.file).stem}: {a.text[:60]!r}" for a in item.anchors)
            print(f"MISSED {r.cluster.name} {item.kind}{'/' + item.sub if item.sub else ''}: {spans}")
        for f in r.false_flags:
            where = ", ".join(f"{Path(r.cluster.source_file.get(e.source_id, '?')).stem}:{e.text[:40]!r}"
                              for e in f.evidence[:3])
            print(f"FALSE  {r.cluster.name} {f.kind} [{f.detector}] {f.title[:70]} :: {where}")
        for f, a in r.false_on_agreed:
            print(f"AGREED {r.cluster.name} {f.kind} on agreed {a.anchors[0].text[:60]!r}")
        for _f, k in r.junk_on_kept:
            print(f"KEPT   {r.cluster.name} boilerplate on {k.anchors[0].text[:60]!r}")
        for f, k in r.forbidden:
            print(f"FORBID {r.cluster.name} {f.kind} on {k.anchors[0].text[:60]!r}")


def run(quick: bool = False) -> tuple[dict, list[dict]]:
    """Entry point for `python -m bench`: figures of both parts, test first."""
    from bench.common import row

    results = evaluate()
    data = summary(results)
    rows = []
    for split in ("test", "dev"):
        if split not in data:
            continue
        s = data[split]
        fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
        rows.append(row("real-news", f"{split} ({s['clusters']} clusters, {s['required_items']} items): R / P",
                        f"{fmt(s['recall'])} / {fmt(s['precision'])}", "R >= 0.55, P >= 0.75",
                        (s["recall"] or 0) >= 0.55 and (s["precision"] or 0) >= 0.75))
        rows.append(row("real-news", f"{split}: conflict recall; false conflicts on agreed",
                        f"{fmt(s['conflict_recall'])}; {s['false_conflicts_on_agreed']}", ">= 0.40; 0",
                        (s["conflict_recall"] or 0) >= 0.40 and s["false_conflicts_on_agreed"] == 0))
    return data, rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.real_news", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "test"), help="score one part only")
    parser.add_argument("--cluster", action="append", help="score one cluster (folder or label-file name)")
    parser.add_argument("--misses", action="store_true", help="list missed items and false flags")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    results = evaluate(args.split, args.cluster)
    print_report(results, args.misses)
    if args.json:
        Path(args.json).write_text(json.dumps(summary(results), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
