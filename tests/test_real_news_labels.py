"""The real-news labels stay usable: every span verbatim in its file, no copied articles, scorer semantics."""

from __future__ import annotations

import json

import pytest

from bench import real_news
from reporter.models import Discrepancy, Evidence

LABEL_FILES = sorted(real_news.LABELS.glob("*.json"))


def test_label_files_are_well_formed_and_quote_only_spans():
    assert len(LABEL_FILES) >= 12
    required = 0
    for path in LABEL_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["split"] in ("dev", "test"), path
        for item in data["items"]:
            kinds = [item["kind"]] if isinstance(item["kind"], str) else item["kind"]
            assert set(kinds) <= set(real_news.KINDS), path
            required += item.get("required", True)
            for span in item["spans"]:
                assert span["file"].startswith(data["cluster"] + "/"), (path, span)
                assert len(span["text"]) < 300, (path, span["text"][:40])  # a span, never an article
    assert required >= 80


def _data_available() -> bool:
    try:
        real_news.data_dir()
    except SystemExit:
        return False
    return True


@pytest.mark.skipif(not _data_available(), reason="../shared/evaldata/real-news not present")
def test_every_span_is_verbatim_in_its_file():
    clusters = real_news.load_clusters()  # raises SystemExit naming the label file on a missing span
    assert {c.split for c in clusters} == {"dev", "test"}
    assert len(clusters) == len(LABEL_FILES)


def test_cross_source_item_needs_two_sources_and_the_kind():
    item = real_news.Item(("factual_conflict",), [
        real_news.Anchor("a.txt", "six", [(0, 3)]), real_news.Anchor("b.txt", "four", [(10, 14)]),
        real_news.Anchor("c.txt", "five", [(5, 9)])])
    files = {"A": "a.txt", "B": "b.txt", "C": "c.txt"}

    def flag(kind, *ev):
        return Discrepancy(id="x", kind=kind, severity="low", title="t", explanation="e", confidence=0.9,
                           origin="evidence",
                           evidence=[Evidence(source_id=s, start=a, end=b, text="x" * (b - a)) for s, a, b in ev])

    assert real_news.matches(flag("factual_conflict", ("A", 1, 2), ("C", 6, 7)), item, files)
    assert not real_news.matches(flag("factual_conflict", ("A", 1, 2), ("B", 0, 5)), item, files)
    assert not real_news.matches(flag("wording_variant", ("A", 1, 2), ("C", 6, 7)), item, files)
