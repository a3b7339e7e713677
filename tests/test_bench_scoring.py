"""The benchmark's scoring must be right before any figure it prints can be trusted."""

from __future__ import annotations

import random

import pytest

from bench.detection import prf, score_article
from bench.report import END, START, replace_block
from bench.scaling import loglog_slope
from bench.wmt import build_article, mosaic_articles, split_docs


def _segments() -> list[dict]:
    return [
        {"seg_id": 1, "text": "Wesel County crash.", "spans": [{"start": 6, "end": 12, "severity": "major"}]},
        {"seg_id": 2, "text": "Three died.", "spans": [{"start": 0, "end": 5, "severity": "minor"}]},
        {"seg_id": 3, "text": "Police said so.",
         "spans": [{"start": 7, "end": 99, "severity": "major"}, {"start": 40, "end": 50, "severity": "major"}]},
    ]


def test_article_maps_segment_spans_to_article_offsets_and_clips_strays():
    art = build_article("d", "sys", _segments())
    assert art.text == "Wesel County crash.\nThree died.\nPolice said so."
    assert art.segments == [(0, 19), (20, 31), (32, 47)]
    assert [art.text[s.start:s.end] for s in art.spans] == ["County", "Three", "said so."]
    assert (art.clipped_spans, art.skipped_spans) == (1, 1)


def test_character_and_segment_scores():
    art = build_article("d", "sys", _segments())
    # "County" fully (6 chars) + "Wesel " (6 false chars) in segment 1; a false flag in segment 2.
    predicted = [(0, 12, "garbled_text"), (26, 30, "spelling")]
    t = score_article(art, predicted)
    assert (t.char_tp, t.char_fp, t.char_fn) == (6, 10, 8)  # gold major: "County" + "said so."
    assert (t.seg_tp, t.seg_fp, t.seg_fn, t.seg_tn) == (1, 1, 1, 0)
    assert t.any_tp == 6 + 0 and t.any_fn == 5 + 8  # "Three" (minor) is gold only for major+minor
    assert t.kind_hits["garbled_text"] == 6 and t.kind_chars["spelling"] == 4


def test_prf_values_and_zero_cases():
    assert prf(6, 10, 8) == pytest.approx((6 / 16, 6 / 14, 2 * (6 / 16) * (6 / 14) / (6 / 16 + 6 / 14)))
    assert prf(0, 0, 0) == (0.0, 0.0, 0.0)


def test_loglog_slope_recovers_power_law():
    assert loglog_slope([(n, 0.01 * n**1.5) for n in (5, 15, 50, 200)]) == pytest.approx(1.5)
    assert loglog_slope([(10, 1.0)]) is None


def test_split_is_deterministic_and_disjoint():
    docs = [{"doc_id": f"doc{i:02d}"} for i in range(7)]
    shuffled = docs[:]
    random.Random(3).shuffle(shuffled)
    dev, test = split_docs(shuffled)
    assert [d["doc_id"] for d in dev] == ["doc00", "doc02", "doc04", "doc06"]
    assert [d["doc_id"] for d in test] == ["doc01", "doc03", "doc05"]


def test_mosaics_are_reproducible_and_drawn_from_the_translations():
    doc = {"doc_id": "d", "translations": {
        "a": [{"seg_id": 1, "text": "A one.", "spans": []}, {"seg_id": 2, "text": "A two.", "spans": []}],
        "b": [{"seg_id": 1, "text": "B one.", "spans": []}, {"seg_id": 2, "text": "B two.", "spans": []}],
    }}
    first = [m.text for m in mosaic_articles(doc, 4, seed=1)]
    assert first == [m.text for m in mosaic_articles(doc, 4, seed=1)]
    assert set(first) == {"A one.\nA two.", "A one.\nB two.", "B one.\nA two.", "B one.\nB two."}


def test_figures_block_is_replaced_not_duplicated():
    doc = f"# Title\n\n{START}\nold\n{END}\nafter\n"
    new = replace_block(doc, "new")
    assert new == f"# Title\n\n{START}\nnew\n{END}\nafter\n"
    assert replace_block(replace_block("# T\n", "x"), "y").count(START) == 1


def test_fake_model_answer_is_valid_for_the_schema_it_was_given():
    from typing import Literal

    from pydantic import BaseModel, ConfigDict

    from bench.llm_efficiency import minimal_instance

    class Item(BaseModel):
        model_config = ConfigDict(extra="forbid")
        kind: Literal["a", "b"]
        note: str | None
        score: float

    class Answer(BaseModel):
        model_config = ConfigDict(extra="forbid")
        title: str
        items: list[Item]
        best: Item

    answer = minimal_instance(Answer.model_json_schema())
    assert Answer.model_validate(answer).best.kind == "a"
    assert answer["items"] == [] and answer["best"]["note"] is None


def test_segments_with_upstream_tsv_rows_are_left_out_of_scoring():
    segs = _segments()
    segs[1] = {"seg_id": 2, "text": "Three died.\tref.B\tdoc\t7", "spans": [{"start": 0, "end": 5,
                                                                             "severity": "major"}]}
    art = build_article("d", "sys", segs)
    start, end = art.damaged[0]
    assert art.text[start:end] == segs[1]["text"]
    t = score_article(art, [(start, end, "garbled_text")])
    assert (t.char_tp, t.char_fp, t.char_fn) == (0, 0, 6 + 8)  # nothing counted inside the damaged segment
    assert (t.seg_tp + t.seg_fp + t.seg_fn + t.seg_tn, t.damaged_segments) == (2, 1)
    assert t.chars == len(art.text) - (end - start)


def test_breakdown_by_kind_and_detector():
    art = build_article("d", "sys", _segments())
    t = score_article(art, [(0, 12, "garbled_text", "garbled.repeat"), (6, 9, "spelling", "spelling.nonword")])
    assert t.kind_recall == {"garbled_text": 6, "spelling": 3}
    assert (t.detector_chars["garbled.repeat"], t.detector_hits["garbled.repeat"]) == (12, 6)
    assert (t.char_tp, t.char_fp) == (6, 6)  # overlapping predictions are counted once


def test_fit_tool_scores_as_the_benchmark_does_and_gates_by_excess_doubt():
    from bench.detection import summarise
    from bench.fit_consensus import _gold, score

    art = build_article("d", "sys", _segments())
    others = [("s", 26, 30)]  # another detector's flag in segment 2
    # two renderings: segment 1's words (Wesel County crash) and segment 3's (Police said so)
    rends = [("s", [(0, 5), (6, 12), (13, 18)], [], [], False), ("s", [(32, 38), (39, 43), (44, 46)], [], [], False)]
    entry = {"articles": {"s": art}, "renderings": rends, "others": others, "gold": _gold({"s": art}, others)}
    probs = [[0.1, 0.5, 0.1], [0.2, 0.16, 0.1]]
    got = score([entry], [probs], high=0.15, low=0.12, excess=0.0)
    expected = summarise(score_article(art, [(6, 12, "w"), (32, 43, "w"), (26, 30, "o")]), 1, 0.0)
    assert got["char_f1"] == pytest.approx(expected["char_f1"], abs=1e-4)
    assert got["segment_precision"] == pytest.approx(expected["segment_precision"], abs=1e-4)
    assert got["segment_precision"] == pytest.approx(2 / 3)
    # excess 0.1: the second rendering's doubt (0.05 + 0.01) is too little; the first's (0.35) is enough
    gated = score([entry], [probs], high=0.15, low=0.12, excess=0.1)
    expected = summarise(score_article(art, [(6, 12, "w"), (26, 30, "o")]), 1, 0.0)
    assert gated["char_f1"] == pytest.approx(expected["char_f1"], abs=1e-4)
    # ... unless it holds a word every other version replaces alike
    entry["renderings"][1] = (*rends[1][:4], True)
    assert score([entry], [probs], 0.15, 0.12, 0.1)["char_f1"] == pytest.approx(got["char_f1"])


def test_fit_tool_takes_the_most_precise_setting_within_the_f1_tolerance():
    from bench.fit_consensus import choose

    grid = [({"char_f1": 0.250, "segment_precision": 0.55}, (0.13, 0.12, 0.0)),
            ({"char_f1": 0.247, "segment_precision": 0.60}, (0.13, 0.12, 0.04)),
            ({"char_f1": 0.240, "segment_precision": 0.65}, (0.13, 0.12, 0.1))]
    assert choose(grid, 0.005, None)[1] == (0.13, 0.12, 0.04)
    assert choose(grid, 0.0, None)[1] == (0.13, 0.12, 0.0)
    assert choose(grid, 0.005, 0.62)[1] == (0.13, 0.12, 0.1)
    assert choose(grid, 0.005, 0.7) is None
