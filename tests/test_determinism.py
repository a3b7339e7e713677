"""The same inputs give the same brief.json under any PYTHONHASHSEED and in any input order (only the
listing of the sources and their summaries follows the order the user gave them).

Each run is the real CLI in a fresh interpreter (the hash seed is fixed at interpreter start), once with the
files in sorted order and one hash seed, once in reverse order with another. The WMT cluster (fifteen
translations of one article) exercises the word-consensus detector, which needs six or more renderings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.wmt import data_dir, doc_articles, load_docs

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def _brief(files: list[Path], out: Path, hash_seed: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    cmd = [sys.executable, "-m", "reporter", "brief", *map(str, files), "--out", str(out), "--offline", "--quiet"]
    done = subprocess.run(cmd, env=env, cwd=out.parent, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    brief = json.loads((out / "brief.json").read_text(encoding="utf-8"))
    brief["run"].pop("duration_s")
    # sources and their summaries are listed in the order the user gave them; everything else must not move
    brief["sources"].sort(key=lambda s: s["id"])
    brief["summaries"].sort(key=lambda s: s["source_id"])
    return brief


def _assert_stable(files: list[Path], tmp_path: Path) -> dict:
    first = _brief(files, tmp_path / "a", "1")
    second = _brief(list(reversed(files)), tmp_path / "b", "4242")
    assert first["discrepancies"], "the cluster should raise flags, or the comparison proves little"
    assert first["discrepancies"] == second["discrepancies"]
    assert first["consensus"] == second["consensus"]
    assert first == second
    return first


def test_seeds_brief_is_identical_across_hash_seeds_and_input_order(tmp_path):
    _assert_stable(SEEDS, tmp_path)


@pytest.mark.skipif(data_dir() is None, reason="WMT data (../shared/evaldata/wmt21-zhen) not present")
def test_translation_cluster_brief_is_identical_across_hash_seeds_and_input_order(tmp_path):
    doc = load_docs()[0]
    folder = tmp_path / "wmt"
    folder.mkdir()
    files = []
    for article in doc_articles(doc):
        path = folder / article.source_name
        path.write_text(article.text, encoding="utf-8")
        files.append(path)
    brief = _assert_stable(files, tmp_path)
    assert any(d["detector"] == "wording.minority" for d in brief["discrepancies"])
