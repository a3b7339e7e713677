"""Word-level alignment of renderings, the consensus detector's evidence, and the quote detector's narrowing."""

from __future__ import annotations

import pytest
from evidence_support import make_source

from reporter.config import EvidenceThresholds
from reporter.evidence import analyse
from reporter.evidence.wordalign import Rendering, align_renderings, runs, tokenize


def _rend(doc: str, text: str) -> Rendering:
    return Rendering(doc, tokenize(text))


def test_support_counts_aligned_words_and_identical_copies():
    rs = [_rend("a", "the plane hit the house"), _rend("b", "the plane hit the house"),
          _rend("c", "the plane struck the house")]
    align_renderings(rs)
    # 'struck' is aligned by nobody; 'hit' by the identical copy only (1 of 2 others)
    assert rs[2].support == [1.0, 1.0, 0.0, 1.0, 1.0]
    assert rs[0].support[2] == 0.5
    assert rs[2].bag[2] == 0.0 and rs[2].left_pair[2] == 0.0


def test_support_respects_word_order_unlike_a_bag_of_words():
    rs = [_rend("a", "police said the fire was out"), _rend("b", "the fire was out police said")]
    align_renderings(rs)
    assert sum(s == 1.0 for s in rs[0].support) == 4  # LCS keeps one of the two orders
    assert rs[0].bag == [1.0] * 6


def test_variants_agree_spelling_and_listed_synonyms():
    rs = [_rend("a", "the organisation paid 5 RMB"), _rend("b", "the organization paid 5 renminbi")]
    align_renderings(rs)
    assert rs[0].support == [1.0] * 5


def test_alignment_does_not_depend_on_rendering_order():
    texts = {"a": "a small plane crashed into a house", "b": "a light aircraft crashed into a home",
             "c": "a small plane hit a house", "d": "small plane crashed into house"}
    one = [_rend(d, t) for d, t in texts.items()]
    two = [_rend(d, t) for d, t in reversed(list(texts.items()))]
    align_renderings(one)
    align_renderings(two)
    assert {r.doc: r.support for r in one} == {r.doc: r.support for r in two}


def test_runs_grow_a_phrase_over_likely_neighbours_only():
    assert runs([0.05, 0.12, 0.3, 0.11, 0.02, 0.2], high=0.2, low=0.1) == [(1, 3), (5, 5)]
    assert runs([0.15, 0.15], high=0.2, low=0.1) == []


def test_consensus_evidence_is_the_differing_words_not_the_sentence():
    same = "The port authority reopened the northern harbour on Tuesday after the storm.\n"
    odd = "The port authority reopened the southern harbour on Tuesday after the storm.\n"
    sources = [make_source(sid, same) for sid in "abcdefg"] + [make_source("h", odd)]
    report = analyse(sources, EvidenceThresholds())
    flags = [f for f in report.discrepancies if f.detector == "wording.minority"]
    assert [(e.source_id, e.text) for f in flags for e in f.evidence] == [("h", "southern")]


def test_quote_evidence_marks_a_dropped_negation_around_the_gap():
    report = analyse([
        make_source("a", "Jones said: “We will not accept these terms under any circumstances.”\n"),
        make_source("b", "Jones said: “We will accept these terms under any circumstances.”\n"),
    ], EvidenceThresholds())
    flag = next(f for f in report.discrepancies if f.kind == "wording_variant")
    assert sorted((e.source_id, e.text) for e in flag.evidence) == [("a", "not"), ("b", "will accept")]


def test_wordnet_synonyms_ship_with_the_package_and_agree():
    rs = [_rend("a", "a female occupant of the house"), _rend("b", "a female resident of the house")]
    align_renderings(rs)
    assert rs[0].support == [1.0] * 6  # occupant ~ resident: WordNet 3.0 pair from reporter/data/synonyms.txt
    rs = [_rend("a", "a female occupant of the house"), _rend("b", "a female dog of the house")]
    align_renderings(rs)
    assert rs[0].support[2] == 0.0


def test_feature_rows_are_shared_only_by_renderings_written_alike():
    # 'US' and 'us' have one stem, so both renderings align the same way; their rows must still differ in
    # what is read from the written word (capital, frequency), not be copied from the first one built
    from reporter.evidence.wordalign import FEATURES, features

    rs = [_rend("a", "officials from the US said"), _rend("b", "officials from the us said"),
          _rend("c", "officials from the US said")]
    align_renderings(rs)
    rows = features(rs, {"a": 0.9, "b": 0.8, "c": 0.7})
    cap, rel = FEATURES.index("capital"), FEATURES.index("reliability")
    assert [r[3][cap] for r in rows] == [1.0, 0.0, 1.0]
    assert rows[2][3][rel] == 0.7 and rows[0][3][rel] == 0.9
    assert rows[0][3] != rows[1][3]



def test_copied_feature_rows_carry_each_renderings_own_weighted_support():
    # rows of a rendering written like an earlier one are copied: its weighted support (its own reliability
    # left out of the sum) and reliability must still be its own, as if built afresh
    from reporter.evidence.wordalign import FEATURES, features

    rs = [_rend("a", "the plane hit the house"), _rend("b", "the plane struck the house"),
          _rend("c", "the plane hit the house")]
    reliability = {"a": 0.9, "b": 0.5, "c": 0.6}
    align_renderings(rs, reliability)
    assert rs[0].wsupport != rs[2].wsupport  # 'hit': backed by c's 0.6 for a, by a's 0.9 for c
    rows = features(rs, reliability)
    wsup, rel, out = FEATURES.index("wsupport"), FEATURES.index("reliability"), FEATURES.index("outlier_support")
    for r, doc_rows in zip(rs, rows, strict=True):
        assert [row[wsup] for row in doc_rows] == r.wsupport
        assert [row[out] for row in doc_rows] == r.outlier_support
        assert {row[rel] for row in doc_rows} == {reliability[r.doc]}
    assert [row[:wsup] + row[wsup + 1 : rel] + row[rel + 1 :] for row in rows[0]] == [
        row[:wsup] + row[wsup + 1 : rel] + row[rel + 1 :] for row in rows[2]]


def test_spans_tokenized_once_per_text_keep_their_own_offsets():
    from reporter.evidence.wordalign import tokenize_spans

    text = "He said: it’s over. Then: it’s over. Done"
    spans = [(9, 19), (26, 36), (37, 41)]
    memo: dict = {}
    tokens = tokenize_spans(text, spans, memo)
    assert tokens == [t for s, e in spans for t in tokenize(text, s, e)]
    assert [text[t.start : t.end] for t in tokens[:2]] == ["it’s", "over"]
    assert tokens[2].start == 26 and len(memo) == 2  # the repeated sentence was tokenized once


def test_doubt_gate_sums_only_what_lies_above_the_flagging_threshold():
    from reporter.evidence.minority import doubt

    assert doubt([0.1, 0.2, 0.15, 0.5], high=0.15) == pytest.approx(0.05 + 0.35)
    assert doubt([0.1, 0.15], high=0.15) == 0.0  # at the threshold: flaggable, but no excess doubt
    assert doubt([0.3, 0.2, 0.25], 0.15) == doubt([0.25, 0.3, 0.2], 0.15)  # any order, the same sum


def test_means_any_agrees_with_same_meaning_pair_by_pair():
    """The set form the word alignment uses gives what asking `same_meaning` of every pair gives."""
    from reporter.evidence.synonyms import means_any, same_meaning, table

    keys = sorted(table())[:300] + ["plane", "aircraft", "us", "america", "house", "zzz"]
    sides = [set(), {"aircraft"}, {"house", "zzz"}, set(keys[100:140]), {keys[0]}, set(table()[keys[5]])]
    for a in keys:
        for others in sides:
            assert means_any(a, others) == any(same_meaning(a, b) for b in others)
    assert means_any("plane", {"airplane", "house"}) and not means_any("plane", {"aircraft", "house"})


def test_outlier_support_counts_the_two_least_reliable_other_versions():
    # the versions least like the rest (human translations, rewrites) get a say of their own: each word's share
    # of the two least reliable *other* renderings aligning it (ties by source id; an identical wording backs all)
    rs = [_rend("a", "the cat sat on the mat"), _rend("b", "the cat sat on the mat"),
          _rend("c", "a cat sat on a rug"), _rend("d", "the dog sat on the mat")]
    reliability = {"a": 0.9, "b": 0.9, "c": 0.5, "d": 0.6}
    memo: dict = {}
    align_renderings(rs, None, memo)
    assert all(r.outlier_support == [] for r in rs)  # no reliabilities yet: nothing to rank by
    align_renderings(rs, reliability, memo)
    a, b, c, d = rs
    assert a.outlier_support == [0.5, 0.5, 1.0, 1.0, 0.5, 0.5]  # c and d: 'the' only in d, 'cat' only in c
    assert b.outlier_support == a.outlier_support
    assert c.outlier_support == [0.0, 0.5, 1.0, 1.0, 0.0, 0.0]  # d, then a (tied with b, first by id)
    assert d.outlier_support == [0.5, 0.0, 1.0, 1.0, 0.5, 0.5]  # c, then a
    reliability["a"] = 0.4  # a is now the least reliable: it is b's and c's first outlier, and b backs a fully
    align_renderings(rs, reliability, memo)
    assert a.outlier_support == [0.5, 0.5, 1.0, 1.0, 0.5, 0.5]
    assert b.outlier_support == [0.5, 1.0, 1.0, 1.0, 0.5, 0.5]  # a (identical: all) and c (cat, sat, on)
