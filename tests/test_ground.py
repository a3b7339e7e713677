"""Grounding guard: model quotes are kept only where they occur, at offsets computed on the original text."""

from reporter.ground import Grounder
from reporter.ingest import source_from_text

TEXT = "Wang said that “the relations between\nChina and  Russia are strong.”\nPutin agreed."


def _grounder() -> Grounder:
    return Grounder({"a": source_from_text(TEXT, path="a.txt", source_id="a"),
                     "b": source_from_text("Nothing quoted here.", path="b.txt", source_id="b")})


def test_locate_tolerates_white_space_and_quote_style_and_returns_original_span():
    ev = _grounder().locate("a", '"the relations between China and Russia are strong."')
    assert ev is not None
    assert ev.text == TEXT[ev.start:ev.end]
    assert ev.text == "the relations between\nChina and  Russia are strong."


def test_locate_keeps_curly_quotes_of_the_original_when_model_types_straight_ones():
    ev = _grounder().locate("a", 'said that "the relations')
    assert ev is not None and ev.text == "said that “the relations"
    assert TEXT[ev.start:ev.end] == ev.text


def test_text_absent_or_in_another_source_is_not_found():
    g = _grounder()
    assert g.locate("a", "the relations are weak") is None
    assert g.locate("b", "Putin agreed.") is None  # it is in a, not in the source the model named
    assert g.locate("missing", "Putin agreed.") is None
    assert g.locate("a", '  ""  ') is None


def test_ground_splits_kept_and_removed_evidence():
    kept, removed = _grounder().ground([("a", "Putin agreed."), ("b", "an invented quote")], "Some flag")
    assert [(e.source_id, e.text) for e in kept] == [("a", "Putin agreed.")]
    assert [(r.source_id, r.text, r.discrepancy_title) for r in removed] == [("b", "an invented quote", "Some flag")]


LONG = ("Wang said the offical talks — held on Monday — were “useful.” He added that trade hit 1.5 million "
        "tonnes.\nThe Chinese side will play a helpful role in the settlement of the crisis, he said.")
OTHER = "Putin said that cooperation was vital to calm the situation."


def _numbered() -> Grounder:
    first_end = LONG.index(" He added")
    spans = [(0, first_end), (first_end + 1, LONG.index("\n")), (LONG.index("The Chinese"), len(LONG))]
    return Grounder({"a": source_from_text(LONG, path="a.txt", source_id="a"),
                     "b": source_from_text(OTHER, path="b.txt", source_id="b")}, sentences={"a": spans})


def _found(result):
    return None if result is None else ([e.text for e in result[0]], result[1])


def test_dash_styles_fold_alike():
    g = _numbered()
    assert _found(g.resolve("a", "talks--held on Monday-were".replace("--", "-"))) == (
        ["talks — held on Monday — were"], "exact")
    assert _found(g.resolve("a", "talks – held on Monday – were")) == (["talks — held on Monday — were"], "exact")


def test_an_elision_becomes_the_spans_around_it():
    g = _numbered()
    found = g.resolve("a", "The Chinese side will […] play a helpful role … of the crisis", 3)
    assert _found(found) == (["The Chinese side will", "play a helpful role", "of the crisis"], "elision")
    assert all(LONG[e.start:e.end] == e.text for e in found[0])
    assert g.resolve("a", "The Chinese side will … refuse any role") is None  # a part found nowhere


def test_a_silently_corrected_typo_is_matched_to_the_source_words_in_the_cited_sentence():
    g = _numbered()
    assert _found(g.resolve("a", "the official talks - held on Monday - were", 1)) == (
        ["the offical talks — held on Monday — were"], "typo")


def test_paraphrases_changed_numbers_and_real_word_swaps_are_refused():
    g = _numbered()
    assert g.resolve("a", "trade hit 1.6 million tonnes", 2) is None
    assert g.resolve("a", "trade hit 1.5 billion tonnes", 2) is None
    assert g.resolve("a", "The Chinese side will not play", 3) is None
    assert g.resolve("a", "the Chinese side is going to play a useful role", 3) is None


def test_a_wrong_source_label_is_corrected_when_the_text_is_verbatim_elsewhere():
    g = _numbered()
    assert _found(g.resolve("a", "cooperation was vital")) == (["cooperation was vital"], "relabelled")
    kept, removed = g.ground([("a", "cooperation was vital", None)], "t")
    assert [(e.source_id, e.text) for e in kept] == [("b", "cooperation was vital")] and removed == []


def test_the_occurrence_in_the_cited_sentence_is_preferred():
    text = "He said yes. Then she said yes."
    g = Grounder({"a": source_from_text(text, path="a.txt", source_id="a")},
                 sentences={"a": [(0, 12), (13, len(text))]})
    assert g.locate("a", "said yes", 2).start == text.rindex("said yes")
    assert g.locate("a", "said yes").start == text.index("said yes")
